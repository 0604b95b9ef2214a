using System.Collections.Frozen;

namespace Kiln.Offline;

/// <summary>
/// The words the offline model can answer for when a prompt asks for a feature: words about looks, wording or the
/// stack that never name a missing part ("nice", "responsive", "React", a colour), and what each kind of app it builds
/// already has ("filters" for a todo list, "history" for a calculator). A feature made only of these words is built;
/// any other word means the feature is not, so the summary says so.
/// </summary>
internal static class FeatureVocabulary
{
    /// <summary>Whether <paramref name="word"/> is filler, style or stack, or something one of <paramref name="kinds"/> has.</summary>
    public static bool IsCovered(string word, IEnumerable<OfflineAppKind> kinds)
    {
        var stem = Stem(word);
        return stem.Length == 0 || stem.All(char.IsDigit) || Filler.Contains(stem) || Style.Contains(stem)
            || AccentColour.Find(stem) is not null || kinds.Any(kind => Built[kind].Contains(stem));
    }

    /// <summary>Whether the word only joins or qualifies ("a", "my", "some", "also"), so a feature never starts or ends with it.</summary>
    public static bool IsFiller(string word) => Filler.Contains(Stem(word));

    /// <summary>Lower case, without surrounding punctuation or a plural "s": "Tasks," is "task", "categories" is "category".</summary>
    private static string Stem(string word)
    {
        var text = word.Trim(Punctuation).ToLowerInvariant();
        if (text.EndsWith("'s", StringComparison.Ordinal) || text.EndsWith("’s", StringComparison.Ordinal))
        {
            text = text[..^2];
        }
        return text switch
        {
            { Length: > 4 } when text.EndsWith("ies", StringComparison.Ordinal) => text[..^3] + "y",
            { Length: > 3 } when text.EndsWith('s') && !text.EndsWith("ss", StringComparison.Ordinal) && !text.EndsWith("us", StringComparison.Ordinal) => text[..^1],
            _ => text,
        };
    }

    private static readonly char[] Punctuation = ['"', '\'', '“', '”', '‘', '’', '«', '»', '.', ',', '!', '?', ';', ':', '(', ')', '[', ']', '{', '}', '*', '_'];

    private static FrozenSet<string> Words(string words) =>
        words.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(Stem).ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> Filler = Words("""
        a an the some any my our your their its his her this that these those me us you i we it one two three lot lots of
        bit more most very really super just also maybe optional optionally too as well plus and or with in on at into
        can could should would will must has have having had is are be been get getting let lets please thing stuff
        nice nicely simple basic small tiny little big large huge clean modern minimal minimalist sleek cool awesome good
        great beautiful pretty cute fun colorful colourful elegant fancy new proper real working functional interactive
        professional polished gorgeous lovely friendly easy intuitive usable fast quick smooth snappy bright bold soft
        subtle flat rounded round playful calm cozy cosy white separate second extra mini built-in integrated own
        """);

    // Looks, wording and the stack the offline model applies or uses for every app.
    private static readonly FrozenSet<string> Style = Words("""
        app application page site website webpage web tool ui ux interface design designed look looks feel style styled
        styling layout theme themed colour color palette accent gradient shadow glass font typography text emoji icon
        animation animated transition dark light mode responsive mobile mobile-friendly phone tablet desktop screen
        accessible accessibility a11y keyboard shortcut key hotkey react typescript ts vite javascript js html css tsx jsx
        localstorage local storage browser persistence persistent persist saving save saved offline feature functionality
        option support ability button card header heading title footer section note banner tagline subtitle name
        """);

    // What each kind's component already does, in the words a prompt would use for it.
    private static readonly FrozenDictionary<OfflineAppKind, FrozenSet<string>> Built = new Dictionary<OfflineAppKind, FrozenSet<string>>
    {
        [OfflineAppKind.Todo] = Words("""
            task todo to-do item list checklist checkbox check tick ticking done complete completed completion finished
            filter filtering active remaining count edit editing delete deleting remove removing clear add adding mark
            """),
        [OfflineAppKind.Notes] = Words("""
            note title body search searching searchable autosave auto-save edit editing delete list sidebar date
            timestamp write writing create
            """),
        [OfflineAppKind.Counter] = Words("""
            count counting increment decrement plus minus add subtract up down reset undo step size tap click number
            total tally
            """),
        [OfflineAppKind.Calculator] = Words("""
            history add addition subtract subtraction multiply multiplication divide division operation operator
            arithmetic math maths percent percentage decimal clear backspace delete negative negate sign number digit
            result equal sum keypad
            """),
        [OfflineAppKind.Timer] = Words("""
            pomodoro focus break short long work study session mode start stop pause resume reset duration minute second
            custom countdown count-down ring progress clock time cycle daily sound sounds chime alarm beep ding bell
            """),
        [OfflineAppKind.Default] = Words("""
            entry item search searching filter tag label category favourite favorite star starred sort sorting export
            exporting json note name edit delete add
            """),
        [OfflineAppKind.Landing] = Words("""
            hero feature signup sign-up sign up newsletter email waitlist wait-list call action cta nav navigation navbar
            menu brand logo headline
            """),
    }.ToFrozenDictionary();
}
