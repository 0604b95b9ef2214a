namespace Kiln.Sandbox;

/// <summary>
/// The crossings of one command's network namespace (<see cref="SandboxNetwork"/>): its bridge directory on the host,
/// bound into the sandbox at <see cref="SandboxNetwork.BridgeDirectory"/>; the socket of its exposed port; the egress
/// proxy it may use; the bridge's options and the environment that tells the command where its proxy is. Owned by the
/// <see cref="SandboxedProcess"/>, which disposes it when the command's processes are gone.
/// </summary>
internal sealed class ProcessNetwork(
    string hostDirectory,
    string? exposedSocket,
    IReadOnlyList<string> bridgeOptions,
    IReadOnlyDictionary<string, string> environment,
    EgressProxy? egress) : IAsyncDisposable
{
    public string HostDirectory { get; } = hostDirectory;

    /// <summary>The host path of the Unix socket that reaches the command's exposed port, if it has one.</summary>
    public string? ExposedSocket { get; } = exposedSocket;

    /// <summary>The bridge's arguments before its <c>--</c>.</summary>
    public IReadOnlyList<string> BridgeOptions { get; } = bridgeOptions;

    /// <summary>Variables added to the command's environment (where its proxy is).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; } = environment;

    /// <summary>Closes the egress proxy and its connections, and removes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (egress is not null)
        {
            await egress.DisposeAsync();
        }

        SandboxNetwork.Delete(HostDirectory);
    }
}
