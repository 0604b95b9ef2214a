using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Events;

/// <summary>
/// Each project's event log: an event is stored (and so given its <c>seq</c>) before it is published, and a
/// subscriber gets the stored events after a point and then the live ones, with no gap and no duplicate.
/// </summary>
public sealed class EventLog(IEventStore store, TimeProvider time, IOptions<EventsOptions> options, KilnMetrics metrics, HostPaths hostPaths) : IProjectStateHolder
{
    private readonly ConcurrentDictionary<string, ProjectChannel> _projects = new();

    /// <summary>Stores and publishes an event; returns it with its sequence number.</summary>
    public async Task<ProjectEvent> AppendAsync(string projectId, EventData data, CancellationToken cancellationToken = default)
    {
        var json = Serialize(projectId, data);
        var channel = Channel(projectId);

        // One append at a time per project, so subscribers see events in seq order.
        await channel.Gate.WaitAsync(cancellationToken);
        try
        {
            var stored = await store.AppendAsync(projectId, data.Type, time.GetUtcNow(), json, CancellationToken.None);
            channel.Publish(stored);
            metrics.Published(data);
            return stored;
        }
        finally
        {
            channel.Gate.Release();
        }
    }

    /// <summary>
    /// The event's wire form with every host path made relative to the app: a dev server's command line, a compiler's
    /// message or a command's output names the projects root, and no client should read it.
    /// </summary>
    private string Serialize(string projectId, EventData data)
    {
        var json = JsonSerializer.SerializeToNode(data, data.GetType(), EventJsonContext.Wire)!;
        RelativeToApp(projectId, json);
        return json.ToJsonString(EventJsonContext.Wire.Options);
    }

    private void RelativeToApp(string projectId, JsonNode node)
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var (name, value) in members.ToList())
                {
                    if (value is JsonValue text && text.TryGetValue<string>(out var s) && hostPaths.Mentions(s))
                    {
                        members[name] = hostPaths.RelativeToApp(projectId, s);
                    }
                    else if (value is not null)
                    {
                        RelativeToApp(projectId, value);
                    }
                }

                break;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i] is JsonValue text && text.TryGetValue<string>(out var s) && hostPaths.Mentions(s))
                    {
                        items[i] = hostPaths.RelativeToApp(projectId, s);
                    }
                    else if (items[i] is { } item)
                    {
                        RelativeToApp(projectId, item);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// Every event after <paramref name="afterSeq"/>, then live events until cancelled. Throws
    /// <see cref="EventStreamOverflowException"/> when the caller reads too slowly to keep up.
    /// </summary>
    public async IAsyncEnumerable<ProjectEvent> ReadAsync(
        string projectId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribe before reading the store: an event is either stored before the read (so replayed) or
        // published after the subscription (so buffered); one that is both is skipped by its seq.
        using var subscription = Channel(projectId).Subscribe(options.Value.SubscriberBuffer);
        var last = afterSeq;

        await foreach (var stored in store.ReadAsync(projectId, afterSeq, cancellationToken))
        {
            last = stored.Seq;
            yield return stored;
        }

        while (true)
        {
            ProjectEvent live;
            try
            {
                if (!await subscription.Reader.WaitToReadAsync(cancellationToken) || !subscription.Reader.TryRead(out live!))
                {
                    yield break;
                }
            }
            catch (ChannelClosedException)
            {
                throw new EventStreamOverflowException(last);
            }

            if (live.Seq <= last)
            {
                continue;
            }

            if (live.Seq > last + 1)
            {
                // Events stored by another instance can arrive after a later one stored here, or not at all if
                // the connection to the shared store dropped: what is missing is read from the store, which has it.
                await foreach (var stored in store.ReadAsync(projectId, last, cancellationToken))
                {
                    last = stored.Seq;
                    yield return stored;
                }

                if (live.Seq <= last)
                {
                    continue;
                }
            }

            last = live.Seq;
            yield return live;
        }
    }

    /// <summary>
    /// Publishes an event that is already stored, by another instance sharing the store, to this instance's
    /// subscribers of its project (if it has any). Events this instance has published already are skipped.
    /// </summary>
    public void Deliver(ProjectEvent stored)
    {
        if (_projects.TryGetValue(stored.ProjectId, out var channel))
        {
            channel.Publish(stored);
        }
    }

    /// <summary>
    /// After notices from other instances may have been lost (a dropped connection to the shared store), publishes
    /// the latest stored event of every project this instance has subscribers for: a subscriber that is behind it
    /// reads what it missed from the store.
    /// </summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        foreach (var (projectId, channel) in _projects)
        {
            if (!channel.HasSubscribers)
            {
                continue;
            }

            ProjectEvent? latest = null;
            await foreach (var stored in store.ReadAsync(projectId, channel.LastPublished, cancellationToken))
            {
                latest = stored;
            }

            if (latest is not null)
            {
                channel.Publish(latest);
            }
        }
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    /// <summary>Removes a deleted project's stored events, and ends its subscribers' streams.</summary>
    async ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(projectId, cancellationToken);
        Forget(projectId);
    }

    /// <summary>The sequence number of the project's newest stored event; 0 when it has none.</summary>
    public Task<long> LastSeqAsync(string projectId, CancellationToken cancellationToken) => store.LastSeqAsync(projectId, cancellationToken);

    /// <summary>Forgets a deleted project's subscribers (they see their stream end).</summary>
    public void Forget(string projectId)
    {
        if (_projects.TryRemove(projectId, out var channel))
        {
            channel.CompleteAll();
        }
    }

    private ProjectChannel Channel(string projectId) => _projects.GetOrAdd(projectId, static _ => new ProjectChannel());

    private sealed class ProjectChannel
    {
        private readonly Lock _lock = new();
        private readonly List<Subscription> _subscribers = [];
        private long _lastPublished;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool HasSubscribers
        {
            get
            {
                lock (_lock)
                {
                    return _subscribers.Count > 0;
                }
            }
        }

        public long LastPublished => Volatile.Read(ref _lastPublished);

        public Subscription Subscribe(int capacity)
        {
            var subscription = new Subscription(this, capacity);
            lock (_lock)
            {
                _subscribers.Add(subscription);
            }

            return subscription;
        }

        public void Publish(ProjectEvent projectEvent)
        {
            lock (_lock)
            {
                // In seq order only: with a shared store the same event may come twice (published here, then
                // announced back), and another instance's event may come after a later one of this instance's,
                // which subscribers then read from the store.
                if (projectEvent.Seq <= _lastPublished)
                {
                    return;
                }

                Volatile.Write(ref _lastPublished, projectEvent.Seq);
                for (var i = _subscribers.Count - 1; i >= 0; i--)
                {
                    var subscriber = _subscribers[i];
                    if (!subscriber.Writer.TryWrite(projectEvent))
                    {
                        // Full: close it rather than wait for it. Its reader turns this into an overflow.
                        subscriber.Writer.TryComplete(new ChannelClosedException());
                        _subscribers.RemoveAt(i);
                    }
                }
            }
        }

        public void CompleteAll()
        {
            lock (_lock)
            {
                foreach (var subscriber in _subscribers)
                {
                    subscriber.Writer.TryComplete();
                }

                _subscribers.Clear();
            }
        }

        public void Remove(Subscription subscription)
        {
            lock (_lock)
            {
                _subscribers.Remove(subscription);
            }
        }
    }

    private sealed class Subscription(ProjectChannel owner, int capacity) : IDisposable
    {
        private readonly Channel<ProjectEvent> _channel = System.Threading.Channels.Channel.CreateBounded<ProjectEvent>(
            new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public ChannelReader<ProjectEvent> Reader => _channel.Reader;

        public ChannelWriter<ProjectEvent> Writer => _channel.Writer;

        public void Dispose() => owner.Remove(this);
    }
}
