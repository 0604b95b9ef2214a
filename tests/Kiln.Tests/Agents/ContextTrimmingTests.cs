using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Agents;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Agents;

/// <summary>
/// The built-in runtime keeps a long conversation inside its context budget: old tool results and inputs are
/// shortened and old exchanges dropped, the person's prompt stays whole, and every tool call keeps its result.
/// </summary>
public sealed class ContextTrimmingTests
{
    private const int Budget = 16_000;
    private const int Turns = 200;
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Estimated tokens of a request as the model server received it: a quarter of its characters.</summary>
    private static long Tokens(ScriptedRequest request) =>
        (request.Body["messages"]!.ToJsonString(Relaxed).Length + request.System.Length + (request.Body["tools"]?.ToJsonString(Relaxed).Length ?? 0))
        / ContextBudget.CharsPerToken;

    private static string Page(int n) => string.Join('\n', Enumerable.Range(0, 60).Select(line => $"line {line} of file {n}: \"quoted\" text, tabs\tand more words to fill it"));

    [Fact]
    public async Task A_200_turn_conversation_stays_within_the_budget_with_the_prompt_intact_and_every_call_answered()
    {
        const string prompt = "Write two hundred files, reading each back as you go. Keep this sentence exactly as written!";
        var turn = 0;
        await using var model = await ScriptedModelServer.StartAsync(_ =>
        {
            var n = Interlocked.Increment(ref turn) - 1;
            return n >= Turns ? ScriptedReply.Text("All written.")
                : n % 2 == 0 ? ScriptedReply.Of(ScriptedContent.Text($"Writing file {n}."), ScriptedContent.ToolUse("write_file", new { path = $"pages/p{n}.txt", content = Page(n) }))
                : ScriptedReply.ToolUse("read_file", new { path = $"pages/p{n - 1}.txt" });
        });
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Kiln:Agent:MaxTurns"] = "250",
            ["Kiln:Agent:ContextBudgetTokens"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        var projectId = await kiln.GenerateAsync(prompt);
        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromMinutes(3), "ready");

        var requests = model.ScriptedRequests;
        Assert.Equal(Turns + 1, requests.Count);
        // Untrimmed, the files alone would be several times the budget.
        Assert.True(Turns * Page(0).Length / ContextBudget.CharsPerToken > 5 * Budget);
        foreach (var request in requests)
        {
            Assert.True(Tokens(request) <= Budget, $"Request {request.Index} has about {Tokens(request)} tokens; the budget is {Budget}.");
            Assert.Equal(prompt, request.UserTexts.First(text => !text.StartsWith("<system-reminder>", StringComparison.Ordinal)));
            AssertEveryCallAnswered(request.Messages);
        }

        Assert.Contains(requests, request => request.ToolResults.Any(result => result.Text.StartsWith("[Kiln elided", StringComparison.Ordinal)));
        Assert.Contains(requests[^1].UserTexts, text => text.StartsWith("[Kiln removed", StringComparison.Ordinal));
        // The latest exchange is whole: the model sees the file it just read back.
        Assert.Equal(Page(Turns - 2), requests[^1].ToolResults[^1].Text);
        Assert.Equal(Page(Turns - 2), await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "pages", $"p{Turns - 2}.txt")));
    }

    [Fact]
    public void Prompts_and_images_are_never_shortened_and_the_latest_exchange_stays_whole()
    {
        var big = new string('x', 20_000);
        var conversation = new List<ConversationMessage> { new(ConversationRole.User, [new ImagePart("image/png", "AAAA"), new TextPart("first prompt " + big)]) };
        for (var i = 0; i < 30; i++)
        {
            conversation.Add(new ConversationMessage(ConversationRole.Assistant, [new TextPart(big), Call($"t{i}", big)]));
            conversation.Add(new ConversationMessage(ConversationRole.User, i == 10
                ? [new ToolResultPart($"t{i}", big, false), new TextPart("second prompt " + big)]
                : [new ToolResultPart($"t{i}", big, false)]));
        }

        var budget = new ContextBudget(40_000, "system", []);
        Assert.True(budget.Fit(conversation) > 0);

        Assert.True(budget.EstimateTokens(conversation) <= 40_000);
        var texts = conversation.Where(m => m.Role == ConversationRole.User).SelectMany(m => m.Content).OfType<TextPart>().Select(t => t.Text).ToList();
        Assert.Contains("first prompt " + big, texts);
        Assert.Contains("second prompt " + big, texts);
        Assert.Single(conversation.SelectMany(m => m.Content).OfType<ImagePart>());
        Assert.Equal(big, Assert.IsType<ToolResultPart>(conversation[^1].Content[0]).Content);
        Assert.Equal(big, conversation[^2].Content.OfType<TextPart>().Single().Text);
        AssertEveryCallAnswered(JsonNode.Parse(JsonSerializer.Serialize(conversation.Select(m => new
        {
            role = m.Role == ConversationRole.User ? "user" : "assistant",
            content = m.Content.Select(part => part switch
            {
                ToolUsePart call => (object)new { type = "tool_use", id = call.Id },
                ToolResultPart result => new { type = "tool_result", tool_use_id = result.ToolUseId },
                _ => new { type = "other" },
            }),
        })))!.AsArray());

        // Once trimmed, the conversation fits: the next turn repeats it unchanged.
        Assert.Equal(0, budget.Fit(conversation));
    }

    private static ToolUsePart Call(string id, string content) =>
        new(id, "write_file", JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["path"] = "a.txt", ["content"] = content }));

    /// <summary>Roles alternate, every tool_result answers a tool_use of the message before, and every call but the last message's is answered.</summary>
    private static void AssertEveryCallAnswered(JsonArray messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var role = messages[i]!["role"]!.GetValue<string>();
            Assert.Equal(i % 2 == 0 ? "user" : "assistant", role);
            var blocks = messages[i]!["content"] as JsonArray ?? [];
            if (role == "assistant" && i + 1 < messages.Count)
            {
                var answered = (messages[i + 1]!["content"] as JsonArray ?? []).Where(b => b!["type"]!.GetValue<string>() == "tool_result").Select(b => b!["tool_use_id"]!.GetValue<string>()).ToHashSet();
                var calls = blocks.Where(b => b!["type"]!.GetValue<string>() == "tool_use").Select(b => b!["id"]!.GetValue<string>()).ToHashSet();
                Assert.True(calls.SetEquals(answered), $"Message {i}'s calls [{string.Join(", ", calls)}] are answered by [{string.Join(", ", answered)}].");
            }
            else if (role == "user" && i > 0)
            {
                Assert.All(blocks.Where(b => b!["type"]!.GetValue<string>() == "tool_result"), b =>
                    Assert.Contains(messages[i - 1]!["content"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "tool_use" && c["id"]!.GetValue<string>() == b!["tool_use_id"]!.GetValue<string>()));
            }
            else if (role == "user")
            {
                Assert.DoesNotContain(blocks, b => b!["type"]!.GetValue<string>() == "tool_result");
            }
        }
    }
}
