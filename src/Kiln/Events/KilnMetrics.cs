using System.Diagnostics.Metrics;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>
/// Kiln's metrics: the <c>Kiln</c> meter, exported in Prometheus format at <c>/metrics</c>. Most are read off the
/// events as they are published, so every path that ends a generation or runs a tool is counted the same way.
/// Labels are low-cardinality on purpose: no project id (that is what traces carry).
/// </summary>
public sealed class KilnMetrics
{
    public const string MeterName = "Kiln";

    private readonly Counter<long> _generations;
    private readonly Histogram<double> _generationDuration;
    private readonly Counter<long> _toolCalls;
    private readonly Histogram<double> _toolDuration;
    private readonly Counter<long> _events;
    private readonly UpDownCounter<long> _subscribers;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;

    public KilnMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _generations = Meter.CreateCounter<long>("kiln.generations", "{generation}", "Generations that ended, by outcome (ready, failed, cancelled, interrupted).");
        _generationDuration = Meter.CreateHistogram<double>("kiln.generation.duration", "s", "How long generations ran, from start to outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 30, 60, 120, 300, 600, 1200] });
        _toolCalls = Meter.CreateCounter<long>("kiln.tool.calls", "{call}", "Tool calls, by tool and outcome (ok, error).");
        _toolDuration = Meter.CreateHistogram<double>("kiln.tool.duration", "s", "How long tool calls took, by tool.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] });
        _events = Meter.CreateCounter<long>("kiln.events.published", "{event}", "Events stored and published, by type.");
        _subscribers = Meter.CreateUpDownCounter<long>("kiln.events.subscribers", "{subscriber}", "Open event streams, by transport (websocket, sse).");
        _tokens = Meter.CreateCounter<long>("kiln.tokens", "{token}", "Model tokens of completed generations, by direction (input, output).");
        _cost = Meter.CreateCounter<double>("kiln.cost.usd", "{USD}", "Cost of completed generations as the runtime priced them.");
    }

    /// <summary>The meter, for observable instruments whose sources are created after it.</summary>
    public Meter Meter { get; }

    /// <summary>Counts what an event says: every event by type, and the outcomes, tool calls and usage it carries.</summary>
    public void Published(EventData data)
    {
        _events.Add(1, new KeyValuePair<string, object?>("type", data.Type));
        switch (data)
        {
            case StatusChanged { Status: not (ProjectStatus.Queued or ProjectStatus.Generating) } changed:
                _generations.Add(1, new KeyValuePair<string, object?>("outcome", changed.Status.WireName()));
                break;
            case ToolExecuted tool:
                _toolCalls.Add(1, new("tool", tool.Tool), new("outcome", tool.Ok ? "ok" : "error"));
                _toolDuration.Record(tool.DurationMs / 1000.0, new KeyValuePair<string, object?>("tool", tool.Tool));
                break;
            case GenerationCompleted completed:
                _tokens.Add(completed.Usage.InputTokens, new KeyValuePair<string, object?>("direction", "input"));
                _tokens.Add(completed.Usage.OutputTokens, new KeyValuePair<string, object?>("direction", "output"));
                if (completed.CostUsd is { } cost)
                {
                    _cost.Add((double)cost);
                }

                break;
        }
    }

    /// <summary>A generation that ran, from start to its outcome.</summary>
    public void GenerationRan(ProjectStatus outcome, TimeSpan duration) =>
        _generationDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome.WireName()));

    /// <summary>Counts an open event stream until the returned value is disposed.</summary>
    public Subscriber TrackSubscriber(string transport) => new(_subscribers, transport);

    /// <summary>One open event stream, counted while it lives.</summary>
    public sealed class Subscriber : IDisposable
    {
        private readonly UpDownCounter<long> _counter;
        private readonly KeyValuePair<string, object?> _transport;
        private int _disposed;

        internal Subscriber(UpDownCounter<long> counter, string transport)
        {
            _counter = counter;
            _transport = new("transport", transport);
            _counter.Add(1, _transport);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _counter.Add(-1, _transport);
            }
        }
    }
}
