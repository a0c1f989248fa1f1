namespace Blase.Engine;

/// <summary>Small robust statistics used across the engine.</summary>
public static class Statistics
{
    /// <summary>The median of the values (NaN when there are none).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var a = values.ToArray();
        if (a.Length == 0) return double.NaN;
        Array.Sort(a);
        int n = a.Length;
        return n % 2 == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
    }
}
