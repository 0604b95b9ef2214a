using Kiln.Events;
using Kiln.Tests.Infrastructure;
using Kiln.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kiln.Tests.Tools;

/// <summary>How a command's output becomes command_output events: batched by size and time, and capped.</summary>
public sealed class CommandOutputStreamTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private KilnApp _kiln = null!;
    private string _projectId = null!;

    public ValueTask InitializeAsync()
    {
        _kiln = KilnApp.Start();
        _projectId = Kiln.Projects.ProjectIds.New();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _kiln.DisposeAsync();

    private CommandOutputStream Stream(long maxBytes = 1 << 20) =>
        new(_kiln.Services.GetRequiredService<EventLog>(), _projectId, "node build.js", maxBytes, _time);

    private async Task<List<string>> TextsAsync() =>
        (await _kiln.Services.GetRequiredService<IEventStore>().ReadAsync(_projectId, 0, CancellationToken.None).ToListAsync())
            .Where(e => e.Type == "command_output")
            .Select(e => e.Data.GetProperty("text").GetString()!)
            .ToList();

    private async Task<List<string>> WaitForTextsAsync(int count)
    {
        for (var i = 0; i < 200; i++)
        {
            var texts = await TextsAsync();
            if (texts.Count >= count)
            {
                return texts;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return await TextsAsync();
    }

    [Fact]
    public async Task Lines_are_batched_until_the_interval_passes()
    {
        var stream = Stream();
        await stream.WriteLineAsync("one", CancellationToken.None);
        await stream.WriteLineAsync("two", CancellationToken.None);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Empty(await TextsAsync());

        _time.Advance(CommandOutputStream.FlushInterval);
        Assert.Equal(["one\ntwo\n"], await WaitForTextsAsync(1));

        await stream.WriteLineAsync("three", CancellationToken.None);
        await stream.CompleteAsync();
        Assert.Equal(["one\ntwo\n", "three\n"], await TextsAsync());
    }

    [Fact]
    public async Task A_batch_goes_out_at_8_KB_without_waiting()
    {
        var stream = Stream();
        var line = new string('x', 1023);
        for (var i = 0; i < 8; i++)
        {
            await stream.WriteLineAsync(line, CancellationToken.None);
        }

        var texts = await WaitForTextsAsync(1);
        Assert.Equal(8 * 1024, Assert.Single(texts).Length);
        await stream.CompleteAsync();
    }

    [Fact]
    public async Task Output_past_the_cap_is_summarised_in_one_last_event()
    {
        var stream = Stream(maxBytes: 11);
        await stream.WriteLineAsync("12345", CancellationToken.None);
        await stream.WriteLineAsync("6789", CancellationToken.None);
        await stream.WriteLineAsync("too much", CancellationToken.None);
        await stream.WriteLineAsync("and more", CancellationToken.None);
        await stream.CompleteAsync();

        var texts = await TextsAsync();
        Assert.Equal(2, texts.Count);
        Assert.Equal("12345\n6789\n", texts[0]);
        Assert.Equal("[18 more bytes of output were not streamed (the limit is 11 bytes per command); the tool's result ends with the last of it]", texts[1]);
    }
}
