namespace Kiln.Sandbox;

/// <summary>Thrown when <see cref="SandboxMode.Required"/> is configured and bubblewrap does not work on this machine.</summary>
public sealed class SandboxUnavailableException : InvalidOperationException
{
    public SandboxUnavailableException()
    {
    }

    public SandboxUnavailableException(string message)
        : base(message)
    {
    }

    public SandboxUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
