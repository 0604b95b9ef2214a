namespace Kiln.Fleet;

/// <summary>
/// How much project work this instance runs now, for its published load: Kiln's dev servers and generations
/// (<see cref="RunningWork"/>), or, in the placement tests, counts a test sets.
/// </summary>
public interface IRunningWork
{
    int DevServers { get; }

    /// <summary>Generations queued or running here.</summary>
    int Generations { get; }
}
