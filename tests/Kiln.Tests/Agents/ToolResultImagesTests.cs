using System.Text.Json;
using Kiln.Agents;

namespace Kiln.Tests.Agents;

/// <summary>
/// Screenshots reach the model inside tool results, and only the latest few stay: the conversation sent on every turn
/// (and stored for follow-ups) does not grow by a PNG per check, and the person's own images are never touched.
/// </summary>
public sealed class ToolResultImagesTests
{
    private static ConversationMessage Check(string id, string image) =>
        new(ConversationRole.User, [new ToolResultPart(id, $"Checked / for {id}", false, [new ImagePart("image/png", image)])]);

    private static ConversationMessage Call(string id) =>
        new(ConversationRole.Assistant, [new ToolUsePart(id, "check_app", JsonDocument.Parse("{}").RootElement.Clone())]);

    [Fact]
    public void Only_the_latest_screenshots_stay_and_older_ones_leave_a_note_in_their_result()
    {
        List<ConversationMessage> conversation =
        [
            new(ConversationRole.User, [new ImagePart("image/png", "PERSONS-SKETCH"), new TextPart("make it look like this")]),
            Call("c1"), Check("c1", "SHOT-1"),
            Call("c2"), Check("c2", "SHOT-2"),
            Call("c3"), Check("c3", "SHOT-3"),
        ];

        var removed = ToolResultImages.KeepLatest(conversation);

        Assert.Equal(1, removed);
        var results = conversation.SelectMany(m => m.Content).OfType<ToolResultPart>().ToList();
        Assert.Null(results[0].Images);
        Assert.Equal($"Checked / for c1\n\n{ToolResultImages.RemovedNote}", results[0].Content);
        Assert.Equal(["SHOT-2"], results[1].Images!.Select(i => i.Data));
        Assert.Equal(["SHOT-3"], results[2].Images!.Select(i => i.Data));
        Assert.Equal("PERSONS-SKETCH", Assert.IsType<ImagePart>(conversation[0].Content[0]).Data);

        // Applied again (every turn), it changes nothing more.
        Assert.Equal(0, ToolResultImages.KeepLatest(conversation));
        Assert.Equal($"Checked / for c1\n\n{ToolResultImages.RemovedNote}", conversation.SelectMany(m => m.Content).OfType<ToolResultPart>().First().Content);
    }

    [Fact]
    public void Several_checks_answered_in_one_message_keep_the_latest_of_them()
    {
        List<ConversationMessage> conversation =
        [
            new(ConversationRole.User, [new TextPart("check three widths")]),
            new(ConversationRole.Assistant, [.. Call("a").Content, .. Call("b").Content, .. Call("c").Content]),
            new(ConversationRole.User, [.. Check("a", "A").Content, .. Check("b", "B").Content, .. Check("c", "C").Content]),
        ];

        ToolResultImages.KeepLatest(conversation);

        Assert.Equal(
            [null, "B", "C"],
            conversation[2].Content.OfType<ToolResultPart>().Select(r => r.Images?.Single().Data));
    }

    [Fact]
    public void A_screenshot_counts_against_the_context_budget_and_goes_when_its_old_result_is_elided()
    {
        var budget = new ContextBudget(8_000, "system", []);
        var big = new string('x', 4_000);
        List<ConversationMessage> conversation = [new(ConversationRole.User, [new TextPart("prompt")])];
        for (var i = 0; i < 6; i++)
        {
            conversation.Add(Call($"c{i}"));
            conversation.Add(new ConversationMessage(ConversationRole.User, [new ToolResultPart($"c{i}", big, false, [new ImagePart("image/png", "PNG")])]));
        }

        var withImages = budget.EstimateTokens(conversation);
        Assert.True(withImages > 6 * ContextBudget.ImageTokens, $"{withImages} tokens");

        Assert.True(budget.Fit(conversation) > 0);
        Assert.True(budget.EstimateTokens(conversation) <= 8_000);
        var results = conversation.SelectMany(m => m.Content).OfType<ToolResultPart>().ToList();
        Assert.Contains(results, r => r.Images is null && r.Content.StartsWith("[Kiln elided", StringComparison.Ordinal));
        // The latest exchange is whole, its screenshot included.
        Assert.NotNull(results[^1].Images);
    }
}
