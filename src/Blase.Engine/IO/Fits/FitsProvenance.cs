namespace Blase.Engine.IO.Fits;

/// <summary>
/// Provenance (one line per step) in a FITS header, exactly: NPROV and PROV1.. each hold a step whole, escaped by
/// <see cref="FitsText"/> and on CONTINUE cards when long (the LONGSTRN convention); HISTORY cards repeat the steps for
/// people reading the header (FITS cuts those at 72 characters, so they are not what is read back).
/// </summary>
public static class FitsProvenance
{
    public static void Write(FitsHeader h, IReadOnlyList<string> steps)
    {
        h.Set("LONGSTRN", "OGIP 1.0", "long strings continue on CONTINUE cards");
        h.Set("NPROV", (long)steps.Count, "provenance lines PROV1.., escaped to ASCII");
        for (int k = 0; k < steps.Count; k++) h.Set($"PROV{k + 1}", FitsText.Escape(steps[k]));
        foreach (var step in steps) h.Add(new FitsCard("HISTORY", null, FitsText.Escape(step)));
    }

    /// <summary>The steps <see cref="Write"/> wrote; a header without NPROV (another writer's, or an older Blase's) gives its HISTORY cards.</summary>
    public static List<string> Read(FitsHeader h, string path)
    {
        if (h.GetLong("NPROV") is not long count)
            return h.Cards.Where(c => c.Keyword == "HISTORY" && c.Comment is not null).Select(c => c.Comment!).ToList();
        if (count < 0 || count > h.Cards.Count) throw new BlaseDataException($"NPROV = {count} does not match its PROVn cards", path);
        var steps = new List<string>();
        for (int k = 1; k <= count; k++)
            steps.Add(FitsText.Unescape(h.GetString($"PROV{k}") ?? throw new BlaseDataException($"has no PROV{k}", path)));
        return steps;
    }
}
