using System.Globalization;
using System.Text;

namespace Blase.Engine.IO.Fits;

/// <summary>One header entry: a keyword with a value (string, bool, long, double or null) and a comment,
/// or a commentary card (COMMENT, HISTORY, blank) whose text is in <see cref="Comment"/>.</summary>
public sealed record FitsCard(string Keyword, object? Value, string? Comment = null)
{
    public bool IsCommentary => Keyword is "COMMENT" or "HISTORY" or "";
}

/// <summary>
/// A FITS header: the cards in order, with lookups by keyword (the first card of a keyword wins, as the
/// IGRINS files repeat OBJECT/DATE-OBS for the calibrator). Long strings (CONTINUE) are joined on reading and
/// split on writing; keywords longer than 8 characters are written as HIERARCH cards.
/// </summary>
public sealed class FitsHeader
{
    private readonly List<FitsCard> _cards = new();

    public IReadOnlyList<FitsCard> Cards => _cards;

    public bool Contains(string keyword) => _cards.Any(c => c.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase));

    public object? this[string keyword] =>
        _cards.FirstOrDefault(c => !c.IsCommentary && c.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase))?.Value;

    public string? GetString(string keyword) => this[keyword] switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var v => v.ToString(),
    };

    public double? GetDouble(string keyword) => this[keyword] switch
    {
        double d => d,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    public long? GetLong(string keyword) => this[keyword] switch
    {
        long l => l,
        // A real that is a whole number counts; one beyond the range of long (1E30, Inf) does not, rather than
        // being cast to a meaningless value.
        double d when d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => (long)d,
        _ => null,
    };

    public bool? GetBool(string keyword) => this[keyword] as bool?;

    /// <summary>Sets a keyword's value (replacing the first card of that keyword) or appends a new card.</summary>
    public FitsHeader Set(string keyword, object? value, string? comment = null)
    {
        value = value switch
        {
            int i => (long)i,
            short s => (long)s,
            byte b => (long)b,
            float f => (double)f,
            _ => value,
        };
        int at = _cards.FindIndex(c => !c.IsCommentary && c.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase));
        var card = new FitsCard(keyword, value, comment ?? (at >= 0 ? _cards[at].Comment : null));
        if (at >= 0) _cards[at] = card; else _cards.Add(card);
        return this;
    }

    public FitsHeader Add(FitsCard card)
    {
        _cards.Add(card);
        return this;
    }

    public void Remove(string keyword) =>
        _cards.RemoveAll(c => !c.IsCommentary && c.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase));

    // ---- parsing ----

    /// <summary>Parses 80-character cards up to END. Returns the number of cards consumed, END included.</summary>
    internal static FitsHeader Parse(IReadOnlyList<string> cards)
    {
        var h = new FitsHeader();
        for (int i = 0; i < cards.Count; i++)
        {
            string card = cards[i];
            string key = card[..8].TrimEnd();
            if (key == "END") break;
            if (key == "CONTINUE") continue; // consumed by the string before it
            if (key == "HIERARCH")
            {
                int eq = card.IndexOf('=', 8);
                if (eq < 0) { h._cards.Add(new FitsCard("", null, card[8..].TrimEnd())); continue; }
                string hk = card[8..eq].Trim();
                var (v, c) = ParseValue(card[(eq + 1)..], cards, ref i);
                h._cards.Add(new FitsCard(hk, v, c));
                continue;
            }
            if (card.Length >= 10 && card[8] == '=' && card[9] == ' ')
            {
                var (v, c) = ParseValue(card[10..], cards, ref i);
                h._cards.Add(new FitsCard(key, v, c));
            }
            else
            {
                h._cards.Add(new FitsCard(key, null, card[8..].TrimEnd()));
            }
        }
        return h;
    }

    private static (object? Value, string? Comment) ParseValue(string field, IReadOnlyList<string> cards, ref int index)
    {
        string s = field.TrimStart();
        if (s.StartsWith('\''))
        {
            var (text, rest) = ReadQuoted(s);
            // Long-string convention: a value ending in '&' continues on the next CONTINUE card.
            while (text.EndsWith('&') && index + 1 < cards.Count && cards[index + 1].StartsWith("CONTINUE"))
            {
                index++;
                string next = cards[index][8..].TrimStart();
                if (!next.StartsWith('\'')) break;
                var (more, moreRest) = ReadQuoted(next);
                text = text[..^1] + more;
                rest = moreRest;
            }
            return (text, CommentOf(rest));
        }
        int slash = s.IndexOf('/');
        string token = (slash >= 0 ? s[..slash] : s).Trim();
        string? comment = slash >= 0 ? s[(slash + 1)..].Trim() : null;
        if (token.Length == 0) return (null, comment);
        if (token == "T") return (true, comment);
        if (token == "F") return (false, comment);
        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return (l, comment);
        if (double.TryParse(token.Replace('D', 'E').Replace('d', 'e'), NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
            return (d, comment);
        return (token, comment); // complex values and the like are kept as text
    }

    private static (string Text, string Remainder) ReadQuoted(string s)
    {
        var sb = new StringBuilder();
        int i = 1;
        while (i < s.Length)
        {
            if (s[i] == '\'')
            {
                if (i + 1 < s.Length && s[i + 1] == '\'') { sb.Append('\''); i += 2; continue; }
                i++;
                break;
            }
            sb.Append(s[i++]);
        }
        return (sb.ToString().TrimEnd(), s[i..]);
    }

    private static string? CommentOf(string rest)
    {
        int slash = rest.IndexOf('/');
        return slash >= 0 ? rest[(slash + 1)..].Trim() : null;
    }

    // ---- formatting ----

    /// <summary>The header as 80-character cards, END included (not padded to a block).</summary>
    internal IEnumerable<string> Format()
    {
        foreach (var c in _cards)
            foreach (var line in FormatCard(c)) yield return line;
        yield return "END".PadRight(80);
    }

    private static IEnumerable<string> FormatCard(FitsCard c)
    {
        if (c.IsCommentary || (c.Value is null && c.Comment is not null && c.Keyword is "COMMENT" or "HISTORY"))
        {
            string text = c.Comment ?? "";
            if (text.Length == 0) { yield return c.Keyword.PadRight(80); yield break; }
            for (int i = 0; i < text.Length; i += 72)
                yield return (c.Keyword.PadRight(8) + text.Substring(i, Math.Min(72, text.Length - i))).PadRight(80);
            yield break;
        }
        foreach (char ch in c.Keyword)
            if (ch < 32 || ch > 126 || ch == '=') throw new ArgumentException($"FITS keyword '{c.Keyword}' has a character FITS does not allow");
        bool hierarch = c.Keyword.Length > 8 || c.Keyword.Any(ch => !(char.IsAsciiLetterUpper(ch) || char.IsAsciiDigit(ch) || ch is '-' or '_'));
        string prefix = hierarch ? $"HIERARCH {c.Keyword} = " : c.Keyword.PadRight(8) + "= ";
        if (c.Value is string s)
        {
            string escaped = s.Replace("'", "''");
            int room = 80 - prefix.Length - 2;
            if (escaped.Length <= room)
            {
                yield return Finish(prefix + "'" + escaped.PadRight(Math.Min(8, room)) + "'", c.Comment);
                yield break;
            }
            if (hierarch) throw new ArgumentException($"the string value of HIERARCH keyword '{c.Keyword}' is too long for one card");
            // Long string: pieces of at most 67 characters ending in '&', continued on CONTINUE cards.
            var pieces = SplitEscaped(escaped, 67);
            for (int i = 0; i < pieces.Count; i++)
            {
                bool last = i == pieces.Count - 1;
                string body = "'" + pieces[i] + (last ? "" : "&") + "'";
                yield return (i == 0 ? prefix + body : "CONTINUE  " + body).PadRight(80);
            }
            yield break;
        }
        string value = c.Value switch
        {
            null => "",
            bool b => b ? "T" : "F",
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => FormatReal(d),
            IConvertible conv => FormatReal(conv.ToDouble(CultureInfo.InvariantCulture)),
            _ => throw new ArgumentException($"FITS keyword '{c.Keyword}' has a value of type {c.Value.GetType().Name}"),
        };
        yield return Finish(prefix + (hierarch ? value : value.PadLeft(20)), c.Comment);
    }

    // Splits without cutting an escaped quote pair in two.
    private static List<string> SplitEscaped(string s, int size)
    {
        var parts = new List<string>();
        int i = 0;
        while (i < s.Length)
        {
            int len = Math.Min(size, s.Length - i);
            int quotes = 0;
            for (int k = i + len - 1; k >= i && s[k] == '\''; k--) quotes++;
            if (quotes % 2 == 1 && i + len < s.Length) len--;
            parts.Add(s.Substring(i, len));
            i += len;
        }
        return parts;
    }

    private static string Finish(string card, string? comment)
    {
        if (!string.IsNullOrEmpty(comment) && card.Length < 77)
            card = card + " / " + comment;
        return card.Length > 80 ? card[..80] : card.PadRight(80);
    }

    /// <summary>Shortest text that reads back to the same double, with a decimal point or exponent as FITS asks.</summary>
    internal static string FormatReal(double d)
    {
        if (!double.IsFinite(d)) throw new ArgumentException($"FITS header values must be finite (got {d})");
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        if (!r.Contains('.') && !r.Contains('E')) r += ".0";
        else if (!r.Contains('.')) r = r.Replace("E", ".0E");
        return r;
    }
}
