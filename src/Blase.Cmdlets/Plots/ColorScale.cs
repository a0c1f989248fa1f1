using ScottPlot;

namespace Blase.Cmdlets.Plots;

/// <summary>
/// Markers coloured by a third value through a colormap, with the range a colour bar shows. ScottPlot's Markers colour
/// by index, not by value, so the values are binned into <see cref="Bins"/> colours, each bin one Markers plottable.
/// </summary>
public sealed class ColorScale : IHasColorAxis
{
    public const int Bins = 48;

    public ColorScale(IColormap colormap, double min, double max)
    {
        Colormap = colormap;
        (Min, Max) = max > min ? (min, max) : (min - 0.5, min + 0.5);
    }

    public IColormap Colormap { get; }
    public double Min { get; }
    public double Max { get; }

    public ScottPlot.Range GetRange() => new(Min, Max);

    public void AddMarkers(Plot plot, double[] x, double[] y, double[] value, float size = 5)
    {
        var bins = new List<int>[Bins];
        for (int b = 0; b < Bins; b++) bins[b] = new List<int>();
        for (int i = 0; i < x.Length; i++)
            if (double.IsFinite(x[i]) && double.IsFinite(y[i]) && double.IsFinite(value[i]))
                bins[Math.Clamp((int)((value[i] - Min) / (Max - Min) * Bins), 0, Bins - 1)].Add(i);
        // Weak lines first, so the strong (rarer) ones are drawn on top.
        for (int b = 0; b < Bins; b++)
        {
            if (bins[b].Count == 0) continue;
            var color = Colormap.GetColor((b + 0.5) / Bins);
            plot.Add.Markers(bins[b].Select(i => x[i]).ToArray(), bins[b].Select(i => y[i]).ToArray(), MarkerShape.FilledCircle, size, color.WithAlpha(0.8));
        }
    }
}
