using Kiln.Testing;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>A user message made of content blocks: an image reaches the model as an image, beside the text.</summary>
public sealed class UserContentTests
{
    // A valid 1×1 PNG, so a CLI that looks into images finds a real one.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Slow]
    public async Task An_image_block_and_text_reach_the_model_in_one_user_message()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("A single pixel."));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);

        await client.SendAsync([UserContent.Image("image/png", Png), UserContent.Text("What is in this picture?")], Ct);
        var messages = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        Assert.Equal("A single pixel.", Assert.IsType<ResultMessage>(messages[^1]).Result);
        var request = Assert.Single(harness.Model.ScriptedRequests);
        var image = Assert.Single(request.UserImages);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal(Png, Convert.FromBase64String(image.Base64));
        // The CLI may end a text that follows an image with a newline.
        Assert.Contains(request.UserTexts, text => text.TrimEnd() == "What is in this picture?");
    }

    [Fact]
    public void An_image_block_has_the_messages_api_shape_and_refuses_other_types()
    {
        var block = UserContent.Image("image/webp", "AAAA");

        Assert.Equal("""{"type":"image","source":{"type":"base64","media_type":"image/webp","data":"AAAA"}}""", block.ToJsonString());
        Assert.Equal("""{"type":"text","text":"hi"}""", UserContent.Text("hi").ToJsonString());
        var refused = Assert.Throws<ArgumentException>(() => UserContent.Image("application/pdf", "AAAA"));
        Assert.Contains("image/png", refused.Message, StringComparison.Ordinal);
    }
}
