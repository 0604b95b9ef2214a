namespace Kiln.Tests.Offline;

/// <summary>Prompt histories that between them produce every kind of app, including hostile and follow-up ones.</summary>
internal static class SampleApps
{
    public static TheoryData<string[]> All => new()
    {
        { ["Build a todo app for my groceries"] },
        { ["a counter for push-ups"] },
        { ["Make a notes app for my D&D campaign"] },
        { ["a simple calculator"] },
        { ["a landing page for my bakery called Crumb & Co"] },
        { ["a pomodoro timer"] },
        { ["an app to track my houseplants"] },
        { ["</script><script>alert(1)</script>"] },
        { ["a pomodoro timer called a\"b'c`d\\e</script>${x}"] },
        { ["a todo app called `${alert(1)}`", "make it dark", "make it green", "add a footer saying '); alert(1); ('"] },
        { ["a notes app", "turn it into a calculator", "bigger text"] },
    };
}
