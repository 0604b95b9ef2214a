using Kiln.Offline;
using static Kiln.Tests.Offline.OfflineAppPlannerTests;

namespace Kiln.Tests.Offline;

public sealed class HostilePromptTests
{
    private const string ScriptBreakout = "</script><script>alert(1)</script>";
    private const string ImageBreakout = "<img src=x onerror=alert(1)>";

    /// <summary>Prompts that try to break out of HTML text, attributes, scripts and string literals, with the raw text that must never appear.</summary>
    public static TheoryData<string[], string> Attacks => new()
    {
        { [ScriptBreakout], ScriptBreakout },
        { ["a todo app called " + ScriptBreakout], ScriptBreakout },
        { ["a pomodoro timer called \"</title>" + ImageBreakout + "\""], ImageBreakout },
        { ["an app to track my " + ImageBreakout], ImageBreakout },
        { ["a counter", "call it " + ScriptBreakout], ScriptBreakout },
        { ["landing page for Crumb & Co bakery", "change the tagline to \"\" onmouseover=\"alert(1)\""], "\" onmouseover=\"alert(1)" },
        { ["a recipe tracker", "add a note saying " + ImageBreakout], ImageBreakout },
        { ["a todo app", "add login " + ScriptBreakout + "<!--"], ScriptBreakout },
        { ["a notes app called It's `${alert(1)}` \\\"quoted\\\" end"], "`${alert(1)}`" },
        { ["a recipe tracker called '); alert(1); ('"], "'); alert(1); ('" },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Hostile_text_never_appears_raw_in_any_file(string[] prompts, string raw)
    {
        var plan = OfflineAppPlanner.Plan(prompts);
        Assert.All(plan.Files, file => Assert.DoesNotContain(raw, file.Content, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Hostile_text_adds_no_script_or_element(string[] prompts, string raw)
    {
        var html = File(OfflineAppPlanner.Plan(prompts), "index.html");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<script", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        // An event-handler attribute inside a real tag; escaped text such as "&lt;img onerror=…" is inert.
        Assert.DoesNotMatch("<[a-zA-Z][^<>]*\\son[a-z]+\\s*=", html);
        Assert.NotEmpty(raw);
    }

    [Fact]
    public void Hostile_title_is_shown_escaped_as_the_user_wrote_it()
    {
        var plan = OfflineAppPlanner.Plan(["a todo app called " + ScriptBreakout]);
        Assert.Equal(ScriptBreakout, plan.Title);
        var html = File(plan, "index.html");
        Assert.Contains("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>", html, StringComparison.Ordinal);
        Assert.Contains("<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_in_scripts_is_a_string_literal_with_every_dangerous_character_escaped()
    {
        var script = File(OfflineAppPlanner.Plan(["a pomodoro timer called a\"b'c`d\\e</script>${x}é"]), "app.js");
        Assert.Contains(
            "const APP_TITLE = \"a\\u0022b\\u0027c\\u0060d\\u005Ce\\u003C/script\\u003E${x}\\u00E9\";",
            script,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Line_and_paragraph_separators_are_escaped_in_script_strings() =>
        Assert.Equal("\"a\\u2028b\\u2029c\\u000A\"", Escape.JsString("a\u2028b\u2029c\n"));

    [Fact]
    public void Unicode_survives_and_invisible_or_broken_characters_go()
    {
        Assert.Equal("Café 日本 🎉", OfflineAppPlanner.Plan(["a todo app called Café 日本 🎉"]).Title);
        Assert.Equal("evil name", OfflineAppPlanner.Plan(["a todo app called \u202Eevil\u200B name\u202C"]).Title);
        Assert.Equal("ab\uFFFDcd", OfflineAppPlanner.Plan(["a todo app called ab\uD800cd"]).Title);
        Assert.Contains("<h1>Café 日本 🎉</h1>", File(OfflineAppPlanner.Plan(["a todo app called Café 日本 🎉"]), "index.html"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_prompt_is_read_quickly_and_capped()
    {
        var prompt = "a todo app for " + string.Concat(Enumerable.Repeat("very long subject with <tags> and \"quotes\" ", 5000));
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var plan = OfflineAppPlanner.Plan([prompt, prompt]);
        // A guard against runaway (super-linear) prompt reading, not a speed target: those live in bench/.
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(30), $"planning took {timer.Elapsed}");
        Assert.InRange(plan.Title.Length, 1, 61);
        Assert.All(plan.Files, file => Assert.InRange(file.Content.Length, 1, 100_000));
    }
}
