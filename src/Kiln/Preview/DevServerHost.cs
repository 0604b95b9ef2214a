using Kiln.Events;
using Kiln.Projects;
using Kiln.Sandbox;

namespace Kiln.Preview;

/// <summary>
/// What a <see cref="DevServer"/> needs from the <see cref="DevServerSupervisor"/> that owns it, built once by the
/// supervisor and shared by every server: where its processes start, its events go, its ports and records come
/// from, the project's own variables and secrets, how it is probed and announced, and the supervisor's say over how many may run and when Kiln stops.
/// <see cref="MakeRoomAsync"/> is called before a server starts and stops the least recently used ones while every
/// slot is taken; <see cref="Stopping"/> is cancelled when Kiln stops, so starts in progress give up and a crashed
/// server stays down.
/// </summary>
internal sealed record DevServerHost(
    SandboxedProcessRunner Runner,
    ProjectDiskUsage Disk,
    ProjectEnvironment Environment,
    EventLog Events,
    HostPaths HostPaths,
    ProjectWorkspace Workspace,
    PortPool Ports,
    DevServerRecords Records,
    PreviewUpstream Upstream,
    PreviewOrigin Origin,
    ViteSourceTags SourceTags,
    PreviewOptions Options,
    TimeProvider Time,
    ILogger Logger,
    Func<DevServer, CancellationToken, Task> MakeRoomAsync,
    CancellationToken Stopping);
