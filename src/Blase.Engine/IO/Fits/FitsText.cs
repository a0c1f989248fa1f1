using System.Globalization;
using System.Text;

namespace Blase.Engine.IO.Fits;

/// <summary>
/// Any text as a FITS header string, which may hold only printable ASCII (32–126; FITS 4.0 §4.2.1): a backslash becomes
/// <c>\\</c> and every other character outside that range <c>\uXXXX</c> (its UTF-16 code unit, four hex digits), the
/// escapes of JSON and Python, so that Python reads it back with <c>s.encode().decode('unicode_escape')</c>. Printable ASCII
/// text is unchanged (but for trailing blanks and a trailing '&'). Long values go on CONTINUE cards (the LONGSTRN convention) when the header is written.
/// </summary>
public static class FitsText
{
    public static string Escape(string text)
    {
        // Trailing blanks and a trailing '&' are escaped too: a FITS reader drops the first and reads the second as
        // "continued on the next card".
        int plainEnd = text.Length;
        while (plainEnd > 0 && text[plainEnd - 1] is ' ' or '&') plainEnd--;
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\') sb.Append(@"\\");
            else if (c is >= ' ' and <= '~' && i < plainEnd) sb.Append(c);
            else sb.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>The text <see cref="Escape"/> made; a backslash not followed by a valid escape is kept as it is.</summary>
    public static string Unescape(string escaped)
    {
        var sb = new StringBuilder(escaped.Length);
        for (int i = 0; i < escaped.Length; i++)
        {
            char c = escaped[i];
            if (c == '\\' && i + 1 < escaped.Length)
            {
                if (escaped[i + 1] == '\\') { sb.Append('\\'); i++; continue; }
                if (escaped[i + 1] == 'u' && i + 5 < escaped.Length
                    && int.TryParse(escaped.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                {
                    sb.Append((char)code);
                    i += 5;
                    continue;
                }
            }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
