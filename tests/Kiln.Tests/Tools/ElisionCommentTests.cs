using Kiln.Tools;

namespace Kiln.Tests.Tools;

/// <summary>What counts as a placeholder comment standing in for code, and what is code or an ordinary comment.</summary>
public sealed class ElisionCommentTests
{
    public static TheoryData<string> Placeholders =>
    [
        "// ... rest of the code remains the same",
        "// rest of the code remains unchanged",
        "  // Rest of the component",
        "/* ... existing code ... */",
        "{/* ... existing JSX ... */}",
        "<!-- rest unchanged -->",
        "<!-- Rest of the HTML remains the same -->",
        "# ... rest of file",
        "// ...",
        "// …",
        "/* ... */",
        "<!-- ... -->",
        "// existing code",
        "// ... existing code ...",
        "// [previous code]",
        "// ... previous implementation ...",
        "// other methods unchanged",
        "// ... other routes",
        "// everything else stays the same",
        "/* the rest of the styles are unchanged */",
        "// keep existing styles",
        "// code omitted for brevity",
        "// (unchanged)",
        "// same as before",
        "  return items; // ... rest of the function",
    ];

    public static TheoryData<string> Code =>
    [
        "function f(...args) { return g(...args); }",
        "const all = [...items, ...more];",
        "console.log(\"Loading...\");",
        "const hint = 'Type something...';",
        "const s = \"// ... rest of the code\";",
        "const url = \"https://example.com/a//b\";",
        "fetch('http://localhost:5173/api');",
        "<p>More to come...</p>",
        "// Render the rest of the page below the fold",
        "// returns the list unchanged when it is empty",
        "// the state is unchanged if the input is invalid",
        "// other options are passed through to fetch",
        "// existing users keep their session",
        "// ...args are forwarded to the handler",
        "// TODO: paginate when there are more than 100 items...",
        "# Shopping list",
        "#app { display: grid; }",
        "/* Layout */",
        "<!-- Header -->",
        "/* truncated text gets an ellipsis */",
        "// Rest API client",
    ];

    [Theory]
    [MemberData(nameof(Placeholders))]
    public void A_placeholder_comment_is_found(string line) => Assert.NotEmpty(ElisionComments.Find($"const a = 1;\n{line}\nconst b = 2;\n"));

    [Theory]
    [MemberData(nameof(Code))]
    public void Code_and_ordinary_comments_are_not_placeholders(string line) => Assert.Empty(ElisionComments.Find(line));
}
