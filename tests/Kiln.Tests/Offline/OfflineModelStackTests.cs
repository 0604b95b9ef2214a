using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Offline;

namespace Kiln.Tests.Offline;

/// <summary>
/// The offline model's decisions, read from conversations alone: which stack a new app gets, the order of its tool
/// calls, how it reads a failed scaffold or install and falls back, and what a follow-up changes.
/// </summary>
public sealed class OfflineModelStackTests
{
    private const string Todo = "Build a todo app for my groceries";

    /// <summary>What create_vite_app answers, in the shape the real tool writes it.</summary>
    private const string ScaffoldResult = """
        Created a Vite app from the react-ts template (create-vite 9.3.0, for pnpm; copied from Kiln's template cache, made 2026-11-25). 6 files:
        .gitignore
        index.html
        package.json
        src/App.tsx
        src/assets/react.svg
        src/main.tsx
        Next: install_dependencies installs its packages; then change the code, and build_project checks that it builds.
        """;

    [Fact]
    public void A_vite_app_is_scaffolded_installed_written_and_then_served()
    {
        var chat = new Chat();
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, _ => (false, ScaffoldResult));

        Assert.Equal("create_vite_app", calls[0].Name);
        Assert.Equal("react-ts", calls[0].Input["template"]!.GetValue<string>());
        Assert.Equal("install_dependencies", calls[1].Name);
        Assert.All(calls.Skip(2).SkipLast(1), call => Assert.Equal("write_file", call.Name));
        Assert.Equal("start_dev_server", calls[^1].Name);
        var paths = Paths(calls);
        Assert.Contains("src/App.tsx", paths);
        Assert.Contains("src/components/TodoList.tsx", paths);
        Assert.Contains("src/settings.ts", paths);
        Assert.Contains("index.html", paths);
        Assert.Contains("with Vite, React and TypeScript", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Static_preference_writes_the_three_static_files_only()
    {
        var chat = new Chat();
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Static, _ => (false, "ok"));
        Assert.Equal(["write_file", "write_file", "write_file"], calls.Select(c => c.Name));
        Assert.Equal(["index.html", "styles.css", "app.js"], Paths(calls));
    }

    [Fact]
    public void Vite_needs_its_tools_offered_else_the_app_is_static()
    {
        var chat = new Chat("write_file", "read_file");
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, _ => (false, "ok"));
        Assert.Equal(["index.html", "styles.css", "app.js"], Paths(calls));
    }

    [Theory]
    [InlineData("a simple calculator", "src/components/Calculator.tsx")]
    [InlineData("a pomodoro timer", "src/components/Timer.tsx")]
    [InlineData("an app to track my houseplants", "src/components/Collection.tsx")]
    public void Calculator_timer_and_collection_are_built_with_react_when_vite_is_preferred(string prompt, string component)
    {
        var chat = new Chat();
        chat.User(prompt);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, _ => (false, ScaffoldResult));
        Assert.Equal("create_vite_app", calls[0].Name);
        Assert.Equal("start_dev_server", calls[^1].Name);
        Assert.Contains(component, Paths(calls));
        Assert.DoesNotContain("app.js", Paths(calls));
        Assert.Contains("with Vite, React and TypeScript", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_kind_has_a_react_version() =>
        Assert.All(Enum.GetValues<OfflineAppKind>(), kind => Assert.True(ViteAppFiles.Supports(kind), kind.ToString()));

    [Theory]
    [InlineData("turn it into a calculator", OfflineAppKind.Calculator, "src/components/Calculator.tsx")]
    [InlineData("change it to a pomodoro timer", OfflineAppKind.Timer, "src/components/Timer.tsx")]
    [InlineData("turn it into a counter", OfflineAppKind.Counter, "src/components/Counter.tsx")]
    public void A_vite_app_switches_to_the_kind_a_follow_up_asks_for(string followUp, OfflineAppKind kind, string component)
    {
        var plan = OfflineAppPlanner.Plan([Todo, followUp], OfflineAppStack.Vite);
        Assert.Equal(kind, plan.Kind);
        Assert.Equal(OfflineAppStack.Vite, plan.Stack);
        Assert.Contains(plan.Files, file => file.Path == component);
        Assert.Contains("Rebuilt as", plan.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Tools_served_under_an_mcp_prefix_are_called_by_that_name()
    {
        var chat = new Chat([.. Chat.AllTools.Select(tool => "mcp__kiln__" + tool)]);
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, _ => (false, ScaffoldResult));
        Assert.Equal("mcp__kiln__create_vite_app", calls[0].Name);
        Assert.Equal("mcp__kiln__start_dev_server", calls[^1].Name);
    }

    [Fact]
    public void A_failed_install_removes_the_scaffold_and_builds_the_static_app()
    {
        var chat = new Chat();
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, call => call.Name switch
        {
            "create_vite_app" => (false, ScaffoldResult),
            "install_dependencies" => (true, "Installing the app's dependencies with pnpm failed (exit code 1). ERR_PNPM_META_FETCH_FAIL connect ECONNREFUSED"),
            _ => (false, "ok"),
        });

        Assert.Equal(["create_vite_app", "install_dependencies"], calls.Take(2).Select(c => c.Name));
        var deletes = calls.Where(c => c.Name == "delete_file").Select(c => c.Input["path"]!.GetValue<string>()).ToList();
        // Every scaffolded file, then its directories, deepest first.
        Assert.Equal([".gitignore", "index.html", "package.json", "src/App.tsx", "src/assets/react.svg", "src/main.tsx", "src/assets", "src"], deletes);
        var afterDeletes = calls.SkipWhile(c => c.Name != "delete_file").SkipWhile(c => c.Name == "delete_file").ToList();
        Assert.Equal(["index.html", "styles.css", "app.js"], Paths(afterDeletes));
        Assert.Equal("start_dev_server", afterDeletes[^1].Name);
        Assert.DoesNotContain(calls, c => c.Name == "write_file" && c.Input["path"]!.GetValue<string>().StartsWith("src/", StringComparison.Ordinal));
        Assert.Contains("install_dependencies failed, so this is the static version", chat.Summary, StringComparison.Ordinal);
        Assert.Contains("ECONNREFUSED", chat.Summary, StringComparison.Ordinal);
        Assert.Contains("as plain HTML, CSS and JavaScript", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_refused_as_too_short_is_done_by_deleting_the_file_first()
    {
        var chat = new Chat();
        chat.User(Todo);
        var refusedOnce = false;
        var calls = chat.RunToEnd(OfflineAppStack.Vite, call =>
        {
            if (call.Name == "write_file" && call.Input["path"]!.GetValue<string>() == "src/App.tsx" && !refusedOnce)
            {
                refusedOnce = true;
                return (true, "write_file would cut src/App.tsx from 3646 to 766 bytes. The file is unchanged. Use edit_file to change or remove parts of it; to really replace it with something much shorter, delete_file it first, then write_file.");
            }

            return (false, ScaffoldResult);
        });

        var at = calls.FindIndex(c => c.Name == "write_file" && c.Input["path"]!.GetValue<string>() == "src/App.tsx");
        Assert.Equal("delete_file", calls[at + 1].Name);
        Assert.Equal("src/App.tsx", calls[at + 1].Input["path"]!.GetValue<string>());
        Assert.Equal("write_file", calls[at + 2].Name);
        Assert.Equal(calls[at].Input.ToJsonString(), calls[at + 2].Input.ToJsonString());
        Assert.Equal("start_dev_server", calls[^1].Name);
        Assert.DoesNotContain("failed", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_scaffold_goes_straight_to_the_static_files()
    {
        var chat = new Chat();
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, call => call.Name == "create_vite_app" ? (true, "Scaffolding failed: no registry") : (false, "ok"));
        Assert.Equal(["create_vite_app", "write_file", "write_file", "write_file", "start_dev_server"], calls.Select(c => c.Name));
        Assert.Contains("create_vite_app failed", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_follow_up_on_a_vite_app_rewrites_only_what_changes_and_never_scaffolds_again()
    {
        var chat = new Chat();
        chat.User(Todo);
        chat.RunToEnd(OfflineAppStack.Vite, _ => (false, ScaffoldResult));
        chat.User("make the accent colour green");
        // The preference no longer matters: the app is a Vite app.
        var calls = chat.RunToEnd(OfflineAppStack.Static, _ => (false, "ok"));

        Assert.Equal(["write_file", "write_file", "start_dev_server"], calls.Select(c => c.Name));
        Assert.Equal(["src/index.css", "src/settings.ts"], Paths(calls));
        Assert.Contains("--accent: #15803d;", calls[0].Input["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Green accent", calls[1].Input["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Green accent", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Turning_a_vite_app_into_another_kind_writes_the_new_component_and_removes_the_old()
    {
        var chat = new Chat();
        chat.User(Todo);
        chat.RunToEnd(OfflineAppStack.Vite, _ => (false, ScaffoldResult));
        chat.User("turn it into a counter");
        var calls = chat.RunToEnd(OfflineAppStack.Vite, _ => (false, "ok"));
        Assert.Contains("src/components/Counter.tsx", Paths(calls));
        Assert.Contains("src/App.tsx", Paths(calls));
        Assert.DoesNotContain("src/components/Extras.tsx", Paths(calls));
        Assert.Equal(["src/components/TodoList.tsx"], calls.Where(c => c.Name == "delete_file").Select(c => c.Input["path"]!.GetValue<string>()));
        Assert.DoesNotContain(calls, c => c.Name is "create_vite_app" or "install_dependencies");
    }

    [Fact]
    public void A_follow_up_on_an_app_that_fell_back_stays_static()
    {
        var chat = new Chat();
        chat.User(Todo);
        chat.RunToEnd(OfflineAppStack.Vite, call => call.Name == "install_dependencies" ? (true, "failed") : (false, ScaffoldResult));
        chat.User("make it dark");
        var calls = chat.RunToEnd(OfflineAppStack.Vite, _ => (false, "ok"));
        Assert.Equal(["index.html", "styles.css", "app.js"], Paths(calls));
        Assert.Contains("data-theme=\"dark\"", calls[0].Input["content"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_follow_up_after_a_cancelled_install_installs_first()
    {
        var chat = new Chat();
        chat.User(Todo);
        chat.Step(OfflineAppStack.Vite, _ => (false, ScaffoldResult)); // scaffolded, then the generation was cancelled
        chat.User("make it dark");
        var calls = chat.RunToEnd(OfflineAppStack.Vite, _ => (false, "ok"));
        Assert.Equal("install_dependencies", calls[0].Name);
        Assert.Contains("src/components/TodoList.tsx", Paths(calls));
        Assert.Equal("start_dev_server", calls[^1].Name);
    }

    [Fact]
    public void The_same_conversation_always_gets_the_same_reply()
    {
        static string Run()
        {
            var chat = new Chat();
            chat.User(Todo);
            chat.RunToEnd(OfflineAppStack.Vite, _ => (false, ScaffoldResult));
            chat.User("call it Weekend Shop and make it dark");
            chat.RunToEnd(OfflineAppStack.Vite, _ => (false, "ok"));
            return chat.Transcript;
        }

        Assert.Equal(Run(), Run());
    }

    /// <summary>What check_app answers for a page that works, in the shape the real tool writes it (an image block follows).</summary>
    private const string CleanCheck = """
        Checked / at 1280×800 in 412 ms.
        HTTP status: 200
        Title: Groceries Todo

        No errors: nothing was thrown, nothing logged an error, and every request succeeded.

        The screenshot below shows the page as it looked at the end of the check.
        """;

    private const string BrokenCheck = """
        Checked / at 1280×800 in 388 ms.
        HTTP status: 200
        Title: Groceries Todo

        Uncaught exceptions (1):
        - TypeError: Cannot read properties of undefined (reading 'map')
            at TodoList (http://p-1.localhost/src/components/TodoList.tsx:84:20)

        Console errors (1):
        - Failed to load resource: the server responded with a status of 404 (at http://p-1.localhost/missing.js)

        Console warnings (1):
        - Download the React DevTools for a better development experience

        The screenshot below shows the page as it looked at the end of the check.
        """;

    [Fact]
    public void A_model_offered_check_app_opens_the_app_last_and_says_what_it_saw()
    {
        var chat = new Chat(Chat.WithCheckApp);
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, call => (false, call.Name == "check_app" ? CleanCheck : ScaffoldResult));
        Assert.Equal(["start_dev_server", "check_app"], calls.TakeLast(2).Select(c => c.Name));
        Assert.Equal("/", calls[^1].Input["path"]!.GetValue<string>());
        Assert.Single(calls, c => c.Name == "check_app");
        Assert.Contains("I opened it in a browser with check_app: it loads with no errors.", chat.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("failed", chat.Summary, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Errors_check_app_reports_are_told_rather_than_claiming_success()
    {
        var chat = new Chat(Chat.WithCheckApp);
        chat.User(Todo);
        chat.RunToEnd(OfflineAppStack.Vite, call => (false, call.Name == "check_app" ? BrokenCheck : ScaffoldResult));
        Assert.Contains("it reported errors", chat.Summary, StringComparison.Ordinal);
        Assert.Contains("- TypeError: Cannot read properties of undefined (reading 'map')", chat.Summary, StringComparison.Ordinal);
        Assert.Contains("- Failed to load resource", chat.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("DevTools", chat.Summary, StringComparison.Ordinal); // a warning is no error
        Assert.DoesNotContain("no errors", chat.Summary, StringComparison.Ordinal);
        Assert.Contains("ANTHROPIC_API_KEY", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_check_that_could_not_run_is_said_so()
    {
        var chat = new Chat(Chat.WithCheckApp);
        chat.User(Todo);
        chat.RunToEnd(OfflineAppStack.Static, call => call.Name == "check_app"
            ? (true, "Kiln's browser is not installed: install Debian's chromium (apt-get install chromium), then check again.")
            : (false, "ok"));
        Assert.Contains("I could not check it in a browser: check_app said: Kiln's browser is not installed", chat.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Some steps failed", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_check_that_says_neither_clean_nor_broken_is_quoted()
    {
        var chat = new Chat(Chat.WithCheckApp);
        chat.User(Todo);
        chat.RunToEnd(OfflineAppStack.Static, call => (false, call.Name == "check_app"
            ? "Checked / at 1280×800 in 15012 ms.\nHTTP status: none\nTitle: (none)\nnet::ERR_CONNECTION_REFUSED at http://p-1.localhost/\n\nThe screenshot below shows the page as it looked at the end of the check."
            : "ok"));
        Assert.Contains("I opened it in a browser with check_app, which said:", chat.Summary, StringComparison.Ordinal);
        Assert.Contains("net::ERR_CONNECTION_REFUSED", chat.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("no errors", chat.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("screenshot", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_static_app_and_a_follow_up_are_checked_too()
    {
        var chat = new Chat(Chat.WithCheckApp);
        chat.User(Todo);
        var first = chat.RunToEnd(OfflineAppStack.Static, call => (false, call.Name == "check_app" ? CleanCheck : "ok"));
        Assert.Equal(["write_file", "write_file", "write_file", "check_app"], first.Select(c => c.Name));
        chat.User("make it dark");
        var second = chat.RunToEnd(OfflineAppStack.Static, call => (false, call.Name == "check_app" ? BrokenCheck : "ok"));
        Assert.Equal("check_app", second[^1].Name);
        Assert.Contains("it reported errors", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_app_served_under_an_mcp_prefix_is_called_by_that_name()
    {
        var chat = new Chat([.. Chat.WithCheckApp.Select(tool => "mcp__kiln__" + tool)]);
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, call => (false, call.Name == "check_app" ? CleanCheck : ScaffoldResult));
        Assert.Equal("mcp__kiln__check_app", calls[^1].Name);
        Assert.Contains("no errors", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_check_app_the_model_ends_after_the_dev_server_as_before()
    {
        var chat = new Chat();
        chat.User(Todo);
        var calls = chat.RunToEnd(OfflineAppStack.Vite, _ => (false, ScaffoldResult));
        Assert.Equal("start_dev_server", calls[^1].Name);
        Assert.DoesNotContain("check_app", chat.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_composed_app_writes_each_component_and_the_summary_names_what_is_missing()
    {
        var chat = new Chat(Chat.WithCheckApp);
        chat.User("a pomodoro timer with a task list, sound and a weekly report");
        var calls = chat.RunToEnd(OfflineAppStack.Vite, call => (false, call.Name == "check_app" ? CleanCheck : ScaffoldResult));
        var paths = Paths(calls);
        Assert.Contains("src/components/Timer.tsx", paths);
        Assert.Contains("src/components/TodoList.tsx", paths);
        Assert.Contains("Not built: “a weekly report”.", chat.Summary, StringComparison.Ordinal);
        Assert.Contains("ANTHROPIC_API_KEY", chat.Summary, StringComparison.Ordinal);
        Assert.EndsWith("it loads with no errors.", chat.Summary, StringComparison.Ordinal);
    }

    /// <summary>Prompts for a Vite app that try to break out of HTML, JSX, string and template literals, with the raw text that must never appear.</summary>
    public static TheoryData<string[], string> Attacks => new()
    {
        { ["a todo app called </script><script>alert(1)</script>"], "</script><script>alert(1)</script>" },
        { ["a todo list for my <img src=x onerror=alert(1)>"], "<img src=x onerror=alert(1)>" },
        { ["a todo app", "call it It's `${alert(1)}` \\\"quoted\\\" {alert(2)}"], "`${alert(1)}`" },
        { ["a todo app", "add a note saying '); alert(1); ('"], "'); alert(1); ('" },
        { ["a todo app", "add login </script><!--"], "</script><!--" },
        { ["a pomodoro timer called </script><script>alert(1)</script>"], "</script><script>alert(1)</script>" },
        { ["an app to track my <img src=x onerror=alert(1)>"], "<img src=x onerror=alert(1)>" },
        { ["a simple calculator", "call it It's `${alert(1)}` {alert(2)}"], "`${alert(1)}`" },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Prompt_text_reaches_the_react_files_only_escaped(string[] prompts, string raw)
    {
        var plan = OfflineAppPlanner.Plan(prompts, OfflineAppStack.Vite);
        Assert.Equal(OfflineAppStack.Vite, plan.Stack);
        Assert.All(plan.Files, file => Assert.DoesNotContain(raw, file.Content, StringComparison.Ordinal));
        // Everything from a prompt is in settings.ts, as double-quoted literals with no quote, backslash, backtick or angle bracket left raw.
        var literals = plan.Files.Single(f => f.Path == "src/settings.ts").Content.Split("export const settings")[1];
        Assert.DoesNotContain("<", literals, StringComparison.Ordinal);
        Assert.DoesNotContain("`", literals, StringComparison.Ordinal);
        Assert.DoesNotContain("'", literals, StringComparison.Ordinal);
        var html = plan.Files.Single(f => f.Path == "index.html").Content;
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<script", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Vite_files_are_byte_identical_for_the_same_prompts() =>
        Assert.Equal(
            OfflineAppPlanner.Plan([Todo, "make it dark"], OfflineAppStack.Vite).Files,
            OfflineAppPlanner.Plan([Todo, "make it dark"], OfflineAppStack.Vite).Files);

    private static List<string> Paths(IEnumerable<(string Name, JsonObject Input)> calls) =>
        calls.Where(c => c.Name.EndsWith("write_file", StringComparison.Ordinal)).Select(c => c.Input["path"]!.GetValue<string>()).ToList();

    /// <summary>A conversation with the offline model, played the way a runtime plays it: request, tool calls, results.</summary>
    private sealed class Chat(params string[] tools)
    {
        public static readonly string[] AllTools = ["write_file", "read_file", "edit_file", "delete_file", "list_directory", "create_vite_app", "install_dependencies", "start_dev_server"];

        public static readonly string[] WithCheckApp = [.. AllTools, "check_app"];

        private readonly string[] _tools = tools.Length > 0 ? tools : AllTools;
        private readonly JsonArray _messages = [];

        public string Summary { get; private set; } = "";

        public string Transcript => _messages.ToJsonString();

        public void User(string prompt) => _messages.Add(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = prompt }) });

        /// <summary>One turn: the model's reply, and the result of its tool call; false when it ended its turn instead.</summary>
        public bool Step(OfflineAppStack preferred, Func<(string Name, JsonObject Input), (bool Failed, string Text)> tool, List<(string Name, JsonObject Input)>? calls = null)
        {
            var request = new JsonObject
            {
                ["model"] = "kiln-offline",
                ["max_tokens"] = 1000,
                ["tools"] = new JsonArray([.. _tools.Select(name => (JsonNode)new JsonObject { ["name"] = name, ["input_schema"] = new JsonObject { ["type"] = "object" } })]),
                ["messages"] = _messages.DeepClone(),
            };
            using var document = JsonDocument.Parse(request.ToJsonString());
            var reply = OfflineModel.Reply(document.RootElement, preferred);
            var content = new JsonArray();
            foreach (var block in reply.Content)
            {
                content.Add(block switch
                {
                    OfflineText text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
                    OfflineToolUse use => new JsonObject { ["type"] = "tool_use", ["id"] = use.Id, ["name"] = use.Name, ["input"] = use.Input.DeepClone() },
                    _ => throw new InvalidOperationException(),
                });
            }

            _messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = content });
            if (reply.StopReason == "end_turn")
            {
                Summary = reply.Content.OfType<OfflineText>().Single().Text;
                return false;
            }

            var call = reply.Content.OfType<OfflineToolUse>().Single();
            var plain = call.Name[(call.Name.LastIndexOf("__", StringComparison.Ordinal) is var at and >= 0 ? at + 2 : 0)..];
            calls?.Add((call.Name, call.Input));
            var (failed, result) = tool((plain, call.Input));
            _messages.Add(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(new JsonObject
                {
                    ["type"] = "tool_result",
                    ["tool_use_id"] = call.Id,
                    ["is_error"] = failed,
                    ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = result }),
                }),
            });
            return true;
        }

        public List<(string Name, JsonObject Input)> RunToEnd(OfflineAppStack preferred, Func<(string Name, JsonObject Input), (bool Failed, string Text)> tool)
        {
            var calls = new List<(string Name, JsonObject Input)>();
            for (var turn = 0; turn < 100 && Step(preferred, tool, calls); turn++)
            {
            }

            Assert.NotEqual("", Summary);
            return calls;
        }
    }
}
