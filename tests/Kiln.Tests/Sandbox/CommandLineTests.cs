using Kiln.Sandbox;

namespace Kiln.Tests.Sandbox;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("pnpm install", new[] { "pnpm", "install" })]
    [InlineData("  ls   -la\tsrc  ", new[] { "ls", "-la", "src" })]
    [InlineData("echo 'a b' \"c d\"", new[] { "echo", "a b", "c d" })]
    [InlineData("echo 'it'\\''s'", new[] { "echo", "it's" })]
    [InlineData("echo \"a \\\"quoted\\\" \\$HOME \\\\ \\n\"", new[] { "echo", "a \"quoted\" $HOME \\ \\n" })]
    [InlineData("echo a\\ b \\;", new[] { "echo", "a b", ";" })]
    [InlineData("echo '' \"\"", new[] { "echo", "", "" })]
    [InlineData("echo 'a;b|c&d>e<f`g$(h)'", new[] { "echo", "a;b|c&d>e<f`g$(h)" })]
    [InlineData("echo \"a;b|c&d>e<f\"", new[] { "echo", "a;b|c&d>e<f" })]
    [InlineData("git log --format=%h HEAD~2..HEAD", new[] { "git", "log", "--format=%h", "HEAD~2..HEAD" })]
    [InlineData("echo issue#1", new[] { "echo", "issue#1" })]
    [InlineData("pnpm add \\\n  react", new[] { "pnpm", "add", "react" })]
    public void Splits_with_posix_quoting(string command, string[] expected)
    {
        var parse = CommandLine.Split(command);

        Assert.True(parse.Succeeded, parse.Error);
        Assert.Equal(expected, parse.Argv);
    }

    [Theory]
    [InlineData("ls; rm -rf /", "';'")]
    [InlineData("ls && rm -rf /", "'&&'")]
    [InlineData("ls || true", "'||'")]
    [InlineData("ls | sh", "'|'")]
    [InlineData("sleep 10 &", "'&'")]
    [InlineData("cat < /etc/passwd", "'<'")]
    [InlineData("echo x > /tmp/x", "'>'")]
    [InlineData("echo x >> /tmp/x", "'>>'")]
    [InlineData("echo `id`", "backtick")]
    [InlineData("echo $(id)", "'$('")]
    [InlineData("echo ${HOME}", "'${'")]
    [InlineData("echo \"$(id)\"", "'$(' substitution")]
    [InlineData("echo \"`id`\"", "backtick")]
    [InlineData("ls\nrm -rf /", "newline")]
    [InlineData("(ls)", "'('")]
    [InlineData("ls # comment", "comments")]
    public void Shell_operators_are_refused_with_a_sentence(string command, string named)
    {
        var parse = CommandLine.Split(command);

        Assert.False(parse.Succeeded);
        Assert.StartsWith("run one command at a time; shell operators are not supported: ", parse.Error);
        Assert.Contains(named, parse.Error);
    }

    [Theory]
    [InlineData("echo 'unterminated")]
    [InlineData("echo \"unterminated")]
    [InlineData("echo trailing\\")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("FOO=bar node server.js")]
    public void Malformed_commands_are_refused_not_thrown(string command)
    {
        var parse = CommandLine.Split(command);

        Assert.False(parse.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(parse.Error));
    }

    [Theory]
    [InlineData("touch 'a\u001b[31mred'")]
    [InlineData("touch \"a\u0007bell\"")]
    [InlineData("touch a\\\u0001b")]
    [InlineData("touch a\u0000b")]
    [InlineData("touch a\u0085b")]
    public void Control_characters_in_arguments_are_refused(string command)
    {
        var parse = CommandLine.Split(command);

        Assert.False(parse.Succeeded);
        Assert.Contains("control character", parse.Error);
    }

    [Fact]
    public void Argument_count_and_length_are_capped()
    {
        var many = "echo " + string.Join(' ', Enumerable.Repeat("a", CommandLine.MaxArguments + 1));
        var longOne = "echo " + new string('a', CommandLine.MaxLength);

        Assert.Contains("more than", CommandLine.Split(many).Error);
        Assert.Contains("characters long", CommandLine.Split(longOne).Error);
        Assert.True(CommandLine.Split("echo " + string.Join(' ', Enumerable.Repeat("a", CommandLine.MaxArguments - 1))).Succeeded);
    }
}
