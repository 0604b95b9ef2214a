using Kiln.Fleet;
using Microsoft.Extensions.Time.Testing;

namespace Kiln.Tests.Fleet;

/// <summary>The cgroup figures <c>GET /api/fleet</c> shows for an instance in a container, read from this machine's cgroup.</summary>
public sealed class ControlGroupUsageTests
{
    [Fact]
    public void Memory_is_read_at_once_and_CPU_once_two_samples_are_apart()
    {
        Assert.SkipUnless(File.Exists("/proc/self/cgroup"), "No cgroups here.");
        var time = new FakeTimeProvider();
        var usage = new ControlGroupUsage(time);

        var (firstCpu, memory) = usage.Sample();
        Assert.True(memory > 0, $"memory {memory}");
        Assert.Null(firstCpu);

        time.Advance(TimeSpan.FromSeconds(1));
        var (cpu, _) = usage.Sample();
        Assert.InRange(cpu!.Value, 0, 100);
    }
}
