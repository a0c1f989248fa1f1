using System.Collections;
using System.Globalization;
using System.Text;

namespace Blase.Engine.Batch;

/// <summary>
/// A recipe (nested dictionaries, lists and scalars) in one canonical text: keys lower-cased and sorted, numbers in
/// invariant round-trip form (3900 and 3900.0 read the same), so the same recipe always hashes the same whatever the
/// order or case it was written in. Its SHA-256 is the options hash a batch records in each manifest.
/// </summary>
public static class RecipeText
{
    public static string Canonical(object? value)
    {
        var s = new StringBuilder();
        Write(s, value);
        return s.ToString();
    }

    private static void Write(StringBuilder s, object? value)
    {
        switch (value)
        {
            case null: s.Append("null"); break;
            case string str: s.Append('"').Append(str.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"'); break;
            case bool b: s.Append(b ? "true" : "false"); break;
            case IDictionary d:
                s.Append('{');
                bool first = true;
                foreach (var key in d.Keys.Cast<object>().Select(k => (Key: k, Name: Convert.ToString(k, CultureInfo.InvariantCulture)!.ToLowerInvariant()))
                             .OrderBy(k => k.Name, StringComparer.Ordinal))
                {
                    if (!first) s.Append(',');
                    first = false;
                    s.Append('"').Append(key.Name).Append("\":");
                    Write(s, d[key.Key]);
                }
                s.Append('}');
                break;
            case IEnumerable e:
                s.Append('[');
                bool firstItem = true;
                foreach (var item in e)
                {
                    if (!firstItem) s.Append(',');
                    firstItem = false;
                    Write(s, item);
                }
                s.Append(']');
                break;
            case Enum en: Write(s, en.ToString()); break;
            case IConvertible c when c.GetTypeCode() is >= TypeCode.SByte and <= TypeCode.Decimal:
                s.Append(Convert.ToDouble(c, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                break;
            default: Write(s, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
