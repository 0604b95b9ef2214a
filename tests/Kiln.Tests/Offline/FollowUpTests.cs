using Kiln.Offline;
using static Kiln.Tests.Offline.OfflineAppPlannerTests;

namespace Kiln.Tests.Offline;

public sealed class FollowUpTests
{
    private const string Todo = "Build a todo app for my groceries";

    [Theory]
    [InlineData("make it dark")]
    [InlineData("Dark mode please")]
    [InlineData("can you switch to a dark theme?")]
    [InlineData("make it darker")]
    public void Dark_mode_request_turns_the_app_dark_and_keeps_its_kind(string followUp)
    {
        var plan = OfflineAppPlanner.Plan([Todo, followUp]);
        Assert.Equal(OfflineAppKind.Todo, plan.Kind);
        Assert.Contains("<html lang=\"en\" data-theme=\"dark\">", File(plan, "index.html"), StringComparison.Ordinal);
        Assert.Contains("Dark theme", plan.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actually, no dark mode")]
    [InlineData("light mode")]
    public void Light_mode_after_dark_mode_turns_it_light_again(string followUp) =>
        Assert.Contains("data-theme=\"light\"", File(OfflineAppPlanner.Plan([Todo, "make it dark", followUp]), "index.html"), StringComparison.Ordinal);

    [Theory]
    [InlineData("a dark counter app", "dark")]
    // A capitalised name is not a theme request.
    [InlineData("a landing page for Dark Horse Coffee", "light")]
    public void The_first_prompt_sets_the_theme_only_when_it_asks_for_one(string prompt, string theme) =>
        Assert.Contains($"data-theme=\"{theme}\"", File(OfflineAppPlanner.Plan([prompt]), "index.html"), StringComparison.Ordinal);

    [Theory]
    [InlineData("add dark chocolate to the list")]
    [InlineData("a landing page for Dark Horse Coffee")]
    public void Dark_as_an_ordinary_word_is_not_a_theme_request(string followUp) =>
        Assert.Contains("data-theme=\"light\"", File(OfflineAppPlanner.Plan([Todo, followUp]), "index.html"), StringComparison.Ordinal);

    [Theory]
    [InlineData("make it green", "#15803d")]
    [InlineData("Blue please", "#2563eb")]
    [InlineData("use a purple accent", "#7e22ce")]
    [InlineData("can the buttons be pink?", "#be185d")]
    public void Colour_request_sets_the_accent_colour(string followUp, string hex)
    {
        var plan = OfflineAppPlanner.Plan([Todo, followUp]);
        Assert.Equal(OfflineAppKind.Todo, plan.Kind);
        Assert.Contains($"--accent: {hex};", File(plan, "styles.css"), StringComparison.Ordinal);
    }

    [Fact]
    public void Later_requests_build_on_earlier_ones()
    {
        var plan = OfflineAppPlanner.Plan([Todo, "make it dark", "make it green"]);
        Assert.Contains("data-theme=\"dark\"", File(plan, "index.html"), StringComparison.Ordinal);
        Assert.Contains("--accent: #15803d;", File(plan, "styles.css"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("call it Weekend Errands", "Weekend Errands")]
    [InlineData("rename to Weekend Errands", "Weekend Errands")]
    [InlineData("Rename it \"Weekend Errands\"", "Weekend Errands")]
    [InlineData("title Weekend Errands", "Weekend Errands")]
    [InlineData("change the title to Weekend Errands please", "Weekend Errands")]
    [InlineData("Change the name to Counter Pro", "Counter Pro")]
    public void Rename_request_changes_the_title_and_keeps_the_kind(string followUp, string title)
    {
        var plan = OfflineAppPlanner.Plan([Todo, followUp]);
        Assert.Equal(OfflineAppKind.Todo, plan.Kind);
        Assert.Equal(title, plan.Title);
        var html = File(plan, "index.html");
        Assert.Contains($"<title>{title}</title>", html, StringComparison.Ordinal);
        Assert.Contains($"<h1>{title}</h1>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Footer_request_adds_the_footer_text()
    {
        var html = File(OfflineAppPlanner.Plan([Todo, "add a footer saying Made by Sam with love"]), "index.html");
        Assert.Contains("<footer class=\"site-footer\"><p>Made by Sam with love</p></footer>", html, StringComparison.Ordinal);

        var plain = File(OfflineAppPlanner.Plan([Todo, "add a footer"]), "index.html");
        Assert.Contains("<footer class=\"site-footer\"><p>© Groceries Todo</p></footer>", plain, StringComparison.Ordinal);

        Assert.DoesNotContain("<footer", File(OfflineAppPlanner.Plan([Todo, "remove the footer"]), "index.html"), StringComparison.Ordinal);
    }

    [Fact]
    public void Note_request_shows_the_note()
    {
        var html = File(OfflineAppPlanner.Plan(["landing page for Crumb & Co bakery", "add a note saying Closed on Mondays."]), "index.html");
        Assert.Contains("<aside class=\"note\" aria-label=\"Note\"><p>Closed on Mondays</p></aside>", html, StringComparison.Ordinal);

        var exclaimed = File(OfflineAppPlanner.Plan(["a counter", "add a note saying Remember to breathe! and make it blue"]), "index.html");
        Assert.Contains("<p>Remember to breathe!</p>", exclaimed, StringComparison.Ordinal);
    }

    [Fact]
    public void Tagline_request_replaces_the_tagline() =>
        Assert.Contains("<p class=\"lede\">Fresh food, fast</p>",
            File(OfflineAppPlanner.Plan([Todo, "change the tagline to \"Fresh food, fast\""]), "index.html"), StringComparison.Ordinal);

    [Theory]
    [InlineData("make the text bigger", "1.125")]
    [InlineData("bigger font please", "1.125")]
    [InlineData("increase the font size", "1.125")]
    [InlineData("make the text smaller", "0.9375")]
    public void Text_size_request_scales_the_text(string followUp, string scale) =>
        Assert.Contains($"--text-scale: {scale};", File(OfflineAppPlanner.Plan([Todo, followUp]), "styles.css"), StringComparison.Ordinal);

    [Fact]
    public void Text_size_steps_add_up_and_stop_at_a_limit()
    {
        Assert.Contains("--text-scale: 1.25;", File(OfflineAppPlanner.Plan([Todo, "bigger text", "make the text bigger"]), "styles.css"), StringComparison.Ordinal);
        var huge = OfflineAppPlanner.Plan([Todo, .. Enumerable.Repeat("bigger text", 10)]);
        Assert.Contains("--text-scale: 1.375;", File(huge, "styles.css"), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_request_is_listed_under_changes_so_the_user_sees_something_happened()
    {
        var plan = OfflineAppPlanner.Plan([Todo, "add user accounts with login"]);
        var html = File(plan, "index.html");
        Assert.Equal(OfflineAppKind.Todo, plan.Kind);
        Assert.Contains("<h2 id=\"changes-title\">Changes</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<q class=\"change-request\">add user accounts with login</q>", html, StringComparison.Ordinal);
        Assert.Contains("Noted", html, StringComparison.Ordinal);
        Assert.Contains("noted in the app's Changes section", plan.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Applied_requests_are_listed_under_changes_in_order()
    {
        var html = File(OfflineAppPlanner.Plan([Todo, "make it dark", "call it Errands", "add a login page"]), "index.html");
        var dark = html.IndexOf("make it dark", StringComparison.Ordinal);
        var rename = html.IndexOf("call it Errands", StringComparison.Ordinal);
        var login = html.IndexOf("add a login page", StringComparison.Ordinal);
        Assert.True(dark > 0 && dark < rename && rename < login, "changes should be listed oldest first");
        Assert.Contains("Applied</span> Dark theme", html, StringComparison.Ordinal);
        Assert.Contains("Applied</span> Renamed to “Errands”", html, StringComparison.Ordinal);
    }

    [Fact]
    public void First_prompt_alone_has_no_changes_section() =>
        Assert.DoesNotContain("Changes", File(OfflineAppPlanner.Plan([Todo]), "index.html"), StringComparison.Ordinal);

    [Theory]
    [InlineData("turn it into a calculator", OfflineAppKind.Calculator)]
    [InlineData("Actually, make it a notes app instead", OfflineAppKind.Notes)]
    [InlineData("change it to a pomodoro timer", OfflineAppKind.Timer)]
    [InlineData("now build a landing page for my bakery", OfflineAppKind.Landing)]
    public void Clear_request_for_another_kind_switches_the_kind(string followUp, OfflineAppKind kind)
    {
        var plan = OfflineAppPlanner.Plan([Todo, followUp]);
        Assert.Equal(kind, plan.Kind);
        Assert.Contains("Rebuilt as", File(plan, "index.html"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("add a counter of finished tasks")]
    [InlineData("make it a bit darker")]
    [InlineData("change the title to Counter Pro")]
    [InlineData("add a footer saying my calculator is elsewhere")]
    [InlineData("switch to dark mode")]
    public void Mentioning_another_kind_in_passing_keeps_the_kind(string followUp) =>
        Assert.Equal(OfflineAppKind.Todo, OfflineAppPlanner.Plan([Todo, followUp]).Kind);

    [Fact]
    public void Switching_kind_keeps_the_subject_and_the_look()
    {
        var plan = OfflineAppPlanner.Plan([Todo, "make it dark", "turn it into a notes app"]);
        Assert.Equal(OfflineAppKind.Notes, plan.Kind);
        Assert.Equal("Groceries Notes", plan.Title);
        Assert.Contains("data-theme=\"dark\"", File(plan, "index.html"), StringComparison.Ordinal);
    }
}
