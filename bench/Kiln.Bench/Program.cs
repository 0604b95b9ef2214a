using Kiln.Bench;

// dotnet run -c Release --project bench/Kiln.Bench [-- <benchmark> ...]; with no name, every benchmark runs.
var benchmarks = new Dictionary<string, Func<Task<IReadOnlyList<object>>>>(StringComparer.OrdinalIgnoreCase)
{
    ["sandbox"] = async () => [await SandboxOverhead.RunAsync(samples: 100)],
    ["runtime"] = async () => [.. await RuntimeOverhead.RunAsync(samples: 5)],
    ["preview"] = async () => [.. await PreviewSpeed.RunAsync(samples: 5, PreviewSpeed.Parts)],
    ["fanout"] = async () => [.. await EventFanOut.RunAsync(subscribers: 100, events: 1000, rounds: 5, pace: TimeSpan.FromMilliseconds(2))],
    ["fleet"] = async () => [.. await FleetThroughput.RunAsync(samples: 5)],
    ["takeover"] = async () => [await FleetPlacement.TakeoverAsync(samples: 5)],
    ["placement"] = async () => [await FleetPlacement.SpreadAsync(projects: 12, rounds: 3)],
    ["check-app"] = async () => [.. await CheckAppSpeed.RunAsync(samples: 10)],
    ["caching"] = async () => [.. await PromptCaching.RunAsync()],
};
foreach (var part in PreviewSpeed.Parts)
{
    benchmarks[$"preview-{part}"] = async () => [.. await PreviewSpeed.RunAsync(samples: 5, [part])];
}

var chosen = args.Length == 0 ? [.. benchmarks.Keys] : args;
foreach (var name in chosen)
{
    if (!benchmarks.TryGetValue(name, out var run))
    {
        Console.Error.WriteLine($"Unknown benchmark '{name}'. Known: {string.Join(", ", benchmarks.Keys)}");
        return 2;
    }

    foreach (var result in await run())
    {
        Console.WriteLine(result);
    }
}

return 0;
