using System.Globalization;
using System.Text;

namespace Kiln.Sandbox;

/// <summary>The outcome of splitting a command line: an argv, or a sentence saying why not.</summary>
public sealed record CommandLineParse(IReadOnlyList<string>? Argv, string? Error)
{
    public bool Succeeded => Argv is not null;

    public static CommandLineParse Success(IReadOnlyList<string> argv) => new(argv, null);

    public static CommandLineParse Failure(string error) => new(null, error);
}

/// <summary>
/// Turns the command string a model writes into an argv using POSIX quoting rules, without
/// interpreting anything a shell would: operators, substitutions and redirections are refused,
/// because Kiln runs one program per call and never hands a string to a shell.
/// </summary>
public static class CommandLine
{
    public const int MaxArguments = 256;
    public const int MaxLength = 16_384;

    private const string OneCommandAtATime = "run one command at a time; shell operators are not supported: ";

    public static CommandLineParse Split(string command)
    {
        ArgumentNullException.ThrowIfNull(command);

        if (command.Length > MaxLength)
        {
            return CommandLineParse.Failure(
                $"the command is {command.Length} characters long; the limit is {MaxLength}. Split the work into smaller commands.");
        }

        var argv = new List<string>();
        var word = new StringBuilder();
        // A word can exist and be empty ('' or ""), so "inside a word" is tracked apart from its text.
        var inWord = false;
        var i = 0;

        while (i < command.Length)
        {
            var c = command[i];

            if (c is ' ' or '\t')
            {
                if (inWord)
                {
                    argv.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                    if (argv.Count > MaxArguments)
                    {
                        return TooManyArguments();
                    }
                }

                i++;
                continue;
            }

            if (Operator(command, i, inWord) is { } op)
            {
                return CommandLineParse.Failure(OneCommandAtATime + Describe(op) + ".");
            }

            if (char.IsControl(c))
            {
                return ControlCharacter(c);
            }

            switch (c)
            {
                case '\\':
                    if (i + 1 >= command.Length)
                    {
                        return CommandLineParse.Failure("the command ends with a lone backslash; remove it or quote it.");
                    }

                    // POSIX: backslash-newline is a line continuation and disappears.
                    if (command[i + 1] == '\n')
                    {
                        i += 2;
                        continue;
                    }

                    if (char.IsControl(command[i + 1]))
                    {
                        return ControlCharacter(command[i + 1]);
                    }

                    word.Append(command[i + 1]);
                    inWord = true;
                    i += 2;
                    continue;

                case '\'':
                    {
                        var end = command.IndexOf('\'', i + 1);
                        if (end < 0)
                        {
                            return CommandLineParse.Failure("a single quote is not closed; close it or escape it with a backslash.");
                        }

                        var literal = command.AsSpan(i + 1, end - i - 1);
                        foreach (var q in literal)
                        {
                            if (char.IsControl(q))
                            {
                                return ControlCharacter(q);
                            }
                        }

                        word.Append(literal);
                        inWord = true;
                        i = end + 1;
                        continue;
                    }

                case '"':
                    {
                        var next = ReadDoubleQuoted(command, i + 1, word);
                        if (next.Error is not null)
                        {
                            return CommandLineParse.Failure(next.Error);
                        }

                        inWord = true;
                        i = next.Index;
                        continue;
                    }

                default:
                    word.Append(c);
                    inWord = true;
                    i++;
                    continue;
            }
        }

        if (inWord)
        {
            argv.Add(word.ToString());
        }

        if (argv.Count == 0)
        {
            return CommandLineParse.Failure("the command is empty; give a program and its arguments, for example 'pnpm install'.");
        }

        if (argv.Count > MaxArguments)
        {
            return TooManyArguments();
        }

        if (IsAssignment(argv[0]))
        {
            return CommandLineParse.Failure(
                $"environment assignments such as '{argv[0]}' are not supported; run the program directly.");
        }

        return CommandLineParse.Success(argv);
    }

    /// <summary>Reads a double-quoted section starting after the opening quote; returns the index after the closing quote.</summary>
    private static (int Index, string? Error) ReadDoubleQuoted(string command, int start, StringBuilder word)
    {
        var i = start;
        while (i < command.Length)
        {
            var c = command[i];
            switch (c)
            {
                case '"':
                    return (i + 1, null);

                case '\\' when i + 1 < command.Length:
                    {
                        // Inside double quotes a backslash only escapes $ ` " \ and newline; elsewhere it is literal.
                        var next = command[i + 1];
                        if (next == '\n')
                        {
                            i += 2;
                            continue;
                        }

                        if (next is '$' or '`' or '"' or '\\')
                        {
                            word.Append(next);
                            i += 2;
                            continue;
                        }

                        word.Append('\\');
                        i++;
                        continue;
                    }

                // A shell would substitute these even inside double quotes; passing them on literally
                // would silently do something other than what the model meant.
                case '`':
                    return (i, OneCommandAtATime + "backtick command substitution.");

                case '$' when i + 1 < command.Length && command[i + 1] is '(' or '{':
                    return (i, OneCommandAtATime + $"'${command[i + 1]}' substitution.");

                default:
                    if (char.IsControl(c))
                    {
                        return (i, ControlCharacter(c).Error);
                    }

                    word.Append(c);
                    i++;
                    continue;
            }
        }

        return (i, "a double quote is not closed; close it or escape it with a backslash.");
    }

    /// <summary>The shell operator that starts at <paramref name="i"/> outside quotes, if any.</summary>
    private static string? Operator(string command, int i, bool inWord)
    {
        var c = command[i];
        var next = i + 1 < command.Length ? command[i + 1] : '\0';
        return c switch
        {
            ';' => ";",
            '\n' or '\r' => "newline",
            '&' => next == '&' ? "&&" : "&",
            '|' => next == '|' ? "||" : "|",
            '<' => "<",
            '>' => next == '>' ? ">>" : ">",
            '`' => "`",
            '(' or ')' => c.ToString(),
            '$' when next is '(' or '{' => "$" + next,
            // A word that starts with # begins a comment in a shell; the rest would otherwise become arguments.
            '#' when !inWord => "#",
            _ => null,
        };
    }

    private static string Describe(string op) => op switch
    {
        "newline" => "a newline (run each line as its own command)",
        "`" => "backtick command substitution",
        "#" => "'#' comments",
        _ => $"'{op}'",
    };

    private static bool IsAssignment(string word)
    {
        var equals = word.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !(char.IsAsciiLetter(word[0]) || word[0] == '_'))
        {
            return false;
        }

        for (var i = 1; i < equals; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(word[i]) || word[i] == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static CommandLineParse ControlCharacter(char c) => CommandLineParse.Failure(
        $"the command contains the control character U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)}; " +
        "arguments and file names must be printable text.");

    private static CommandLineParse TooManyArguments() => CommandLineParse.Failure(
        $"the command has more than {MaxArguments} arguments; split the work into smaller commands.");
}
