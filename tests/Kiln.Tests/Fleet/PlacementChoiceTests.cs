using Kiln.Fleet;

namespace Kiln.Tests.Fleet;

/// <summary>The choice of an instance for a new project, on given figures (<see cref="PlacementChoice"/>).</summary>
public sealed class PlacementChoiceTests
{
    private static InstanceLoad Load(int devServers = 0, int generations = 0, long memory = 0, double weight = 1, bool draining = false) =>
        new(devServers, generations, memory, weight, draining);

    [Fact]
    public void The_least_loaded_instance_is_chosen_counting_dev_servers_generations_and_child_memory()
    {
        var choice = PlacementChoice.Choose<string>(
            [
                new("a", Load(devServers: 2), 0, IsLocal: true),
                new("b", Load(generations: 1, memory: InstanceLoad.MemoryUnitBytes), 0, false),
                new("c", Load(devServers: 1, generations: 0, memory: InstanceLoad.MemoryUnitBytes / 2), 0, false),
            ],
            new Random(1));

        Assert.Equal("c", choice);
    }

    [Fact]
    public void Weight_divides_the_load_so_a_bigger_machine_takes_more()
    {
        // 3 units on weight 4 (0.75) against 1 unit on weight 1.
        var choice = PlacementChoice.Choose<string>(
            [new("small", Load(devServers: 1), 0, true), new("big", Load(devServers: 3, weight: 4), 0, false)], new Random(1));

        Assert.Equal("big", choice);
    }

    [Fact]
    public void A_draining_instance_gets_nothing_however_idle()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var choice = PlacementChoice.Choose<string>(
                [new("idle-draining", Load(draining: true), 0, true), new("busy", Load(devServers: 9, generations: 4), 0, false)], new Random(seed));
            Assert.Equal("busy", choice);
        }
    }

    [Fact]
    public void Without_fresh_figures_the_instance_that_asked_keeps_the_project()
    {
        Assert.Equal("here", PlacementChoice.Choose<string>([new("here", null, 0, true), new("there", null, 0, false)], new Random(1)));

        // Every instance with figures is draining: one without figures (just started) is the better guess than a draining one.
        Assert.Equal("new", PlacementChoice.Choose<string>([new("here", Load(draining: true), 0, true), new("new", null, 0, false)], new Random(1)));
    }

    [Fact]
    public void An_instance_without_fresh_figures_is_passed_over_for_one_with_figures()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            Assert.Equal("known", PlacementChoice.Choose<string>([new("silent", null, 0, true), new("known", Load(devServers: 3), 0, false)], new Random(seed)));
        }
    }

    [Fact]
    public void A_burst_on_equal_instances_spreads_evenly_and_avoids_the_loaded_one()
    {
        var loads = new Dictionary<string, InstanceLoad> { ["a"] = Load(), ["b"] = Load(), ["c"] = Load(devServers: 4) };
        var placed = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["c"] = 0 };
        var random = new Random(7);

        // Eight new projects before any figures show them: each placement counts on its instance until then.
        for (var i = 0; i < 8; i++)
        {
            var chosen = PlacementChoice.Choose<string>([.. loads.Select(l => new PlacementCandidate<string>(l.Key, l.Value, placed[l.Key], l.Key == "a"))], random);
            placed[chosen]++;
        }

        Assert.Equal((4, 4, 0), (placed["a"], placed["b"], placed["c"]));
    }

    [Fact]
    public void Ties_are_broken_at_random_not_always_towards_the_same_instance()
    {
        var chosen = Enumerable.Range(0, 40)
            .Select(seed => PlacementChoice.Choose<string>([new("a", Load(), 0, true), new("b", Load(), 0, false), new("c", Load(), 0, false)], new Random(seed)))
            .ToHashSet();

        Assert.Equal(["a", "b", "c"], chosen.Order());
    }
}
