using Kiln.Offline;

namespace Kiln.Tests.Offline;

public sealed class OfflineAppPlannerTests
{
    [Theory]
    [InlineData(OfflineAppKind.Todo, "Build a todo app for my groceries")]
    [InlineData(OfflineAppKind.Todo, "make me a to-do list")]
    [InlineData(OfflineAppKind.Todo, "I need a task manager for work")]
    [InlineData(OfflineAppKind.Todo, "a simple checklist for packing")]
    [InlineData(OfflineAppKind.Todo, "Shopping list app please")]
    [InlineData(OfflineAppKind.Todo, "Create a TODO list with dark mode")]
    [InlineData(OfflineAppKind.Todo, "a todo app that counts finished tasks")]
    [InlineData(OfflineAppKind.Counter, "a counter app")]
    [InlineData(OfflineAppKind.Counter, "build a click counter")]
    [InlineData(OfflineAppKind.Counter, "Tally counter for the birds I see")]
    [InlineData(OfflineAppKind.Counter, "a score keeper for ping pong")]
    [InlineData(OfflineAppKind.Counter, "make a simple clicker")]
    [InlineData(OfflineAppKind.Counter, "a counter for my todo items")]
    [InlineData(OfflineAppKind.Notes, "a notes app")]
    [InlineData(OfflineAppKind.Notes, "Build a note-taking app for my lectures")]
    [InlineData(OfflineAppKind.Notes, "a journal for my thoughts")]
    [InlineData(OfflineAppKind.Notes, "simple notepad")]
    [InlineData(OfflineAppKind.Notes, "I want a diary")]
    [InlineData(OfflineAppKind.Notes, "a web page for my notes")]
    [InlineData(OfflineAppKind.Calculator, "a calculator")]
    [InlineData(OfflineAppKind.Calculator, "build a simple calc")]
    [InlineData(OfflineAppKind.Calculator, "Make a tip calculator")]
    [InlineData(OfflineAppKind.Calculator, "an arithmetic calculator with big buttons")]
    [InlineData(OfflineAppKind.Landing, "a landing page for my bakery called Crumb & Co")]
    [InlineData(OfflineAppKind.Landing, "landing page for Crumb & Co bakery")]
    [InlineData(OfflineAppKind.Landing, "a website for my coffee shop")]
    [InlineData(OfflineAppKind.Landing, "Homepage for our startup, Rocketship")]
    [InlineData(OfflineAppKind.Landing, "a portfolio site for Jane Doe, a designer")]
    [InlineData(OfflineAppKind.Landing, "marketing page for a productivity app that helps teams plan sprints")]
    [InlineData(OfflineAppKind.Timer, "a pomodoro timer")]
    [InlineData(OfflineAppKind.Timer, "build a stopwatch")]
    [InlineData(OfflineAppKind.Timer, "countdown timer for cooking")]
    [InlineData(OfflineAppKind.Timer, "A focus timer for studying")]
    // Anything else is a collection about its subject.
    [InlineData(OfflineAppKind.Default, "a recipe tracker")]
    [InlineData(OfflineAppKind.Default, "an app to track my houseplants")]
    [InlineData(OfflineAppKind.Default, "Build something for my book club")]
    [InlineData(OfflineAppKind.Default, "hello")]
    [InlineData(OfflineAppKind.Default, "")]
    public void The_prompt_picks_the_kind_of_app(OfflineAppKind kind, string prompt) =>
        Assert.Equal(kind, OfflineAppPlanner.Plan([prompt]).Kind);

    [Theory]
    [InlineData("Build a todo app for my groceries", "Groceries Todo")]
    [InlineData("landing page for Crumb & Co bakery", "Crumb & Co")]
    [InlineData("a landing page for my bakery called Crumb & Co", "Crumb & Co")]
    [InlineData("Make a notes app for my D&D campaign", "D&D Campaign Notes")]
    [InlineData("a notes app for meeting notes", "Meeting Notes")]
    [InlineData("an app to track my houseplants", "Houseplants Tracker")]
    [InlineData("Build me a recipe tracker", "Recipe Tracker")]
    [InlineData("a grocery list", "Grocery Todo")]
    [InlineData("a counter", "Counter")]
    [InlineData("a counter app called \"Reps\"", "Reps")]
    [InlineData("a pomodoro timer", "Focus Timer")]
    [InlineData("a landing page for Blue Bottle Coffee", "Blue Bottle Coffee")]
    public void Title_comes_from_the_prompts_own_words(string prompt, string title) =>
        Assert.Equal(title, OfflineAppPlanner.Plan([prompt]).Title);

    [Theory]
    [InlineData("Build a todo app for my groceries")]
    [InlineData("a landing page for my bakery called Crumb & Co")]
    [InlineData("an app to track my houseplants")]
    [InlineData("a pomodoro timer for my thesis")]
    public void Title_is_the_page_title_and_the_main_heading(string prompt)
    {
        var plan = OfflineAppPlanner.Plan([prompt]);
        var html = File(plan, "index.html");
        Assert.Contains($"<title>{Escaped(plan.Title)}</title>", html, StringComparison.Ordinal);
        Assert.Contains($"<h1>{Escaped(plan.Title)}</h1>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Title_is_capped_at_a_readable_length()
    {
        var plan = OfflineAppPlanner.Plan(["a todo app called " + string.Join(' ', Enumerable.Repeat("wonderful", 40))]);
        Assert.InRange(plan.Title.Length, 10, 61);
        Assert.EndsWith("…", plan.Title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Build a todo app for my groceries")]
    [InlineData("a counter")]
    [InlineData("a notes app")]
    [InlineData("a calculator")]
    [InlineData("landing page for Crumb & Co bakery")]
    [InlineData("a pomodoro timer")]
    [InlineData("a recipe tracker")]
    public void Every_app_is_index_html_styles_css_and_app_js_with_nothing_left_to_fill(string prompt)
    {
        var plan = OfflineAppPlanner.Plan([prompt]);
        Assert.Equal(["index.html", "styles.css", "app.js"], plan.Files.Select(file => file.Path));
        Assert.All(plan.Files, file =>
        {
            Assert.DoesNotContain("{{", file.Content, StringComparison.Ordinal);
            Assert.DoesNotContain("http://", file.Content, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", file.Content, StringComparison.Ordinal);
            Assert.DoesNotContain("\r", file.Content, StringComparison.Ordinal);
        });
        var html = File(plan, "index.html");
        Assert.Contains("<link rel=\"stylesheet\" href=\"styles.css\">", html, StringComparison.Ordinal);
        Assert.Contains("<script src=\"app.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\"", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Build a todo app for my groceries")]
    [InlineData("landing page for Crumb & Co bakery")]
    [InlineData("an app to track my houseplants")]
    public void Same_prompts_give_byte_identical_plans(string prompt)
    {
        string[] prompts = [prompt, "make it dark", "call it Weekend", "add login"];
        var first = OfflineAppPlanner.Plan(prompts);
        var second = OfflineAppPlanner.Plan([.. prompts]);
        Assert.Equal(first.Kind, second.Kind);
        Assert.Equal(first.Title, second.Title);
        Assert.Equal(first.Summary, second.Summary);
        Assert.Equal(first.Files.Select(file => (file.Path, file.Content)), second.Files.Select(file => (file.Path, file.Content)));
    }

    [Theory]
    [InlineData("Build a todo app for my groceries", "kiln.todo.groceries-todo")]
    [InlineData("a counter for push-ups", "kiln.counter.push-ups-counter")]
    [InlineData("a notes app", "kiln.notes.notes")]
    public void Stateful_apps_keep_their_data_under_a_key_of_their_own(string prompt, string key)
    {
        var script = File(OfflineAppPlanner.Plan([prompt]), "app.js");
        Assert.Contains($"const STORAGE_KEY = \"{key}\";", script, StringComparison.Ordinal);
        Assert.Contains("localStorage.setItem(STORAGE_KEY", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Renaming_an_app_keeps_its_saved_data()
    {
        var before = File(OfflineAppPlanner.Plan(["Build a todo app for my groceries"]), "app.js");
        var after = File(OfflineAppPlanner.Plan(["Build a todo app for my groceries", "call it Weekend Shop"]), "app.js");
        Assert.Contains("\"kiln.todo.groceries-todo\"", after, StringComparison.Ordinal);
        Assert.Equal(before, after);
    }

    [Fact]
    public void Summary_is_short_and_says_the_offline_model_built_it()
    {
        var plan = OfflineAppPlanner.Plan(["Build a todo app for my groceries"]);
        Assert.Contains("Groceries Todo", plan.Summary, StringComparison.Ordinal);
        Assert.EndsWith("Built by Kiln's offline model — set ANTHROPIC_API_KEY for Claude.", plan.Summary, StringComparison.Ordinal);
        Assert.InRange(plan.Summary.Count(c => c == '.'), 1, 3);
    }

    [Fact]
    public void No_prompts_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => OfflineAppPlanner.Plan([]));

    [Fact]
    public void Landing_page_copy_fits_the_kind_of_business()
    {
        var html = File(OfflineAppPlanner.Plan(["a landing page for my bakery called Crumb & Co"]), "index.html");
        Assert.Contains(">Bakery<", html, StringComparison.Ordinal);
        Assert.Contains("A neighbourhood bakery", html, StringComparison.Ordinal);

        var startup = File(OfflineAppPlanner.Plan(["marketing page for a productivity app that helps teams plan sprints"]), "index.html");
        Assert.Contains("Helps teams plan sprints.", startup, StringComparison.Ordinal);
        Assert.Contains("Get early access", startup, StringComparison.Ordinal);
    }

    [Fact]
    public void Collection_names_its_entries_after_the_subject()
    {
        var plan = OfflineAppPlanner.Plan(["an app to track my houseplants"]);
        Assert.Contains("Add a houseplant", File(plan, "index.html"), StringComparison.Ordinal);
        Assert.Contains("const ITEMS = \"houseplants\";", File(plan, "app.js"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_timer_with_a_task_list_and_sound_is_a_chiming_timer_and_a_task_list_with_nothing_missing()
    {
        // The timer chimes at the end of each period (both its React and its static version), so "sound" is built.
        var plan = OfflineAppPlanner.Plan(["a pomodoro timer with a task list and sound"], OfflineAppStack.Vite);
        Assert.Equal(OfflineAppKind.Timer, plan.Kind);
        Assert.Equal([OfflineAppKind.Timer, OfflineAppKind.Todo], plan.Parts);
        Assert.Empty(plan.Missing);
        Assert.Contains(plan.Files, file => file.Path == "src/components/Timer.tsx");
        Assert.Contains(plan.Files, file => file.Path == "src/components/TodoList.tsx");
        var app = File(plan, "src/App.tsx");
        Assert.Contains("<Timer />", app, StringComparison.Ordinal);
        Assert.Contains("<TodoList storageKey={settings.parts.todo.storageKey} />", app, StringComparison.Ordinal);
        Assert.Contains("plus a todo list on the same page", plan.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_names_what_was_not_built_and_how_to_get_it()
    {
        var plan = OfflineAppPlanner.Plan(["a pomodoro timer with a task list, sound and a weekly report"], OfflineAppStack.Vite);
        Assert.Contains("Not built: “a weekly report”.", plan.Summary, StringComparison.Ordinal);
        Assert.Contains("set ANTHROPIC_API_KEY (or another model provider) and send the prompt again", plan.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("task list", plan.Summary, StringComparison.Ordinal); // built, so not missing
    }

    [Theory]
    [InlineData("a todo list")]
    [InlineData("Build a todo app for my groceries")]
    [InlineData("Create a TODO list with dark mode")]
    [InlineData("an arithmetic calculator with big buttons")]
    [InlineData("a nice clean calculator with history and keyboard support")]
    [InlineData("a todo app with a green accent and large text, responsive and simple")]
    [InlineData("a counter with undo and a step size")]
    [InlineData("a simple todo app with React and TypeScript")]
    [InlineData("a todo list with filters and local storage")]
    [InlineData("a pomodoro timer with work and break modes")]
    [InlineData("Build a pomodoro timer. It should also play a sound when a session ends.")]
    [InlineData("a counter for my todo items")]
    [InlineData("a todo app that counts finished tasks")]
    [InlineData("a wedding website for Anna and Ben")]
    [InlineData("a landing page for my bakery with a newsletter signup")]
    [InlineData("a todo app in dark mode with a footer saying Made with love and sound")]
    [InlineData("a todo app where I can add and edit tasks")]
    public void A_prompt_the_app_fully_covers_mentions_no_missing_part(string prompt)
    {
        foreach (var stack in new[] { OfflineAppStack.Static, OfflineAppStack.Vite })
        {
            var plan = OfflineAppPlanner.Plan([prompt], stack);
            Assert.Empty(plan.Missing);
            Assert.DoesNotContain("Not built", plan.Summary, StringComparison.Ordinal);
            Assert.EndsWith(OfflineAppPlanner.Credit, plan.Summary, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("a todo app with login with Google and a backend", new[] { "login with Google", "a backend" })]
    [InlineData("a recipe tracker with ingredients and cooking time", new[] { "ingredients", "cooking time" })]
    [InlineData("a kanban board with drag and drop", new[] { "drag and drop" })]
    [InlineData("a todo app with categories for work and home", new[] { "categories" })]
    [InlineData("a notes app where I can share notes with friends", new[] { "share notes with friends" })]
    [InlineData("a landing page for my bakery with a menu, opening hours and a contact form", new[] { "opening hours", "a contact form" })]
    [InlineData("a timer with a task list with priorities", new[] { "priorities" })]
    [InlineData("a simple todo app with Tailwind", new[] { "Tailwind" })]
    [InlineData("a landing page and a todo list", new[] { "a todo list" })]
    public void Features_it_cannot_build_are_named_in_the_prompts_words(string prompt, string[] missing)
    {
        var plan = OfflineAppPlanner.Plan([prompt], OfflineAppStack.Vite);
        Assert.Equal(missing, plan.Missing);
        Assert.All(missing, words => Assert.Contains($"“{words}”", plan.Summary, StringComparison.Ordinal));
        Assert.EndsWith(OfflineAppPlanner.GetTheRest, plan.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a notes app with a counter", new[] { OfflineAppKind.Notes, OfflineAppKind.Counter })]
    [InlineData("a timer with a task list", new[] { OfflineAppKind.Timer, OfflineAppKind.Todo })]
    [InlineData("Build a todo list, a timer and a calculator", new[] { OfflineAppKind.Todo, OfflineAppKind.Timer, OfflineAppKind.Calculator })]
    [InlineData("Build a pomodoro timer. Add a task list.", new[] { OfflineAppKind.Timer, OfflineAppKind.Todo })]
    [InlineData("a todo app for groceries and a timer for cooking", new[] { OfflineAppKind.Todo, OfflineAppKind.Timer })]
    [InlineData("a calculator that has a notepad", new[] { OfflineAppKind.Calculator, OfflineAppKind.Notes })]
    [InlineData("a counter for my todo items", new[] { OfflineAppKind.Counter })]
    [InlineData("a timer for tasks and chores", new[] { OfflineAppKind.Timer })]
    [InlineData("a landing page for my todo app", new[] { OfflineAppKind.Landing })]
    public void Each_kind_a_prompt_names_as_a_part_is_built_in_the_same_app(string prompt, OfflineAppKind[] parts)
    {
        var plan = OfflineAppPlanner.Plan([prompt], OfflineAppStack.Vite);
        Assert.Equal(parts, plan.Parts);
        Assert.Empty(plan.Missing);
        var app = File(plan, "src/App.tsx");
        Assert.All(parts.Skip(1), kind => Assert.Contains($"settings.parts.{kind.ToString().ToLowerInvariant()}.storageKey", app, StringComparison.Ordinal));
    }

    [Fact]
    public void Each_part_keeps_its_data_under_a_key_of_its_own_and_only_the_main_part_has_shortcuts()
    {
        var plan = OfflineAppPlanner.Plan(["a counter for push-ups with a calculator and a timer"], OfflineAppStack.Vite);
        Assert.Equal([OfflineAppKind.Counter, OfflineAppKind.Calculator, OfflineAppKind.Timer], plan.Parts);
        var settings = File(plan, "src/settings.ts");
        Assert.Contains("storageKey: \"kiln.counter.push-ups-counter\",", settings, StringComparison.Ordinal);
        Assert.Contains("calculator: { heading: \"Calculator\", storageKey: \"kiln.calculator.push-ups-counter\" },", settings, StringComparison.Ordinal);
        Assert.Contains("timer: { heading: \"Timer\", storageKey: \"kiln.timer.push-ups-counter\" },", settings, StringComparison.Ordinal);
        var app = File(plan, "src/App.tsx");
        Assert.Contains("<Counter />", app, StringComparison.Ordinal);
        Assert.Contains("<Calculator storageKey={settings.parts.calculator.storageKey} shortcuts={false} />", app, StringComparison.Ordinal);
        Assert.Contains("<Timer storageKey={settings.parts.timer.storageKey} shortcuts={false} />", app, StringComparison.Ordinal);
        // One stylesheet per kind, then the layout of parts.
        var css = File(plan, "src/App.css");
        Assert.Contains("/* Counter", css, StringComparison.Ordinal);
        Assert.Contains("/* Calculator", css, StringComparison.Ordinal);
        Assert.Contains(".part-title", css, StringComparison.Ordinal);
    }

    [Fact]
    public void An_app_of_one_kind_is_written_as_before()
    {
        var plan = OfflineAppPlanner.Plan(["a pomodoro timer"], OfflineAppStack.Vite);
        Assert.Equal([OfflineAppKind.Timer], plan.Parts);
        Assert.Contains("<Timer />", File(plan, "src/App.tsx"), StringComparison.Ordinal);
        Assert.DoesNotContain("parts", File(plan, "src/App.tsx"), StringComparison.Ordinal);
        Assert.Contains("  parts: {},\n", File(plan, "src/settings.ts"), StringComparison.Ordinal);
        Assert.DoesNotContain(".part-title", File(plan, "src/App.css"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_static_app_is_one_kind_and_says_which_parts_it_left_out()
    {
        var plan = OfflineAppPlanner.Plan(["a pomodoro timer with a task list and sound"]);
        Assert.Equal(OfflineAppStack.Static, plan.Stack);
        Assert.Equal([OfflineAppKind.Timer], plan.Parts);
        Assert.Equal(["a task list"], plan.Missing);
        Assert.Equal(["index.html", "styles.css", "app.js"], plan.Files.Select(file => file.Path));
        Assert.Contains("Not built: “a task list”.", plan.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_follow_up_adds_a_part_to_a_vite_app_and_notes_it_on_a_static_one()
    {
        var vite = OfflineAppPlanner.Plan(["Build a todo app for my groceries", "add a counter"], OfflineAppStack.Vite);
        Assert.Equal([OfflineAppKind.Todo, OfflineAppKind.Counter], vite.Parts);
        Assert.Contains("Added a counter", vite.Summary, StringComparison.Ordinal);
        Assert.Contains("storageKey: \"kiln.counter.groceries-todo\"", File(vite, "src/settings.ts"), StringComparison.Ordinal);

        var plain = OfflineAppPlanner.Plan(["Build a todo app for my groceries", "add a counter"]);
        Assert.Equal([OfflineAppKind.Todo], plain.Parts);
        Assert.Contains("can't make that change", plain.Summary, StringComparison.Ordinal);
    }

    internal static string File(OfflineAppPlan plan, string path) => plan.Files.Single(file => file.Path == path).Content;

    internal static string Escaped(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal)
        .Replace("`", "&#96;", StringComparison.Ordinal);
}
