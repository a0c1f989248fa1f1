using Blase.Engine.Transfer;
using ScottPlot;

namespace Blase.Cmdlets.Plots;

/// <summary>
/// The EquivalentWidth figure of a transfer: each fitted line's equivalent width (left) and FWHM (right) after the
/// transfer against before it (the clone), on log axes with the 1:1 line; lines the transfer changed beyond their prior
/// scale stand out only by leaving that line.
/// </summary>
public static class LineChangePlot
{
    private static readonly PixelPadding Margins = new(left: 90, right: 40, bottom: 60, top: 40);

    public static IEnumerable<PlotPanel> Render(TransferResult result, int width, int height)
    {
        var fitted = result.LineChanges().Where(c => c.Fitted).ToList();
        if (fitted.Count == 0) throw new ArgumentException("the transfer fitted no line, so no line changed");
        var rects = PlotCanvas.Grid(width, height, new[] { 1.0 }, columns: 2);
        yield return new PlotPanel(Scatter($"{result.Spectrum}: {fitted.Count:N0} fitted lines' equivalent width",
            "Equivalent width before, clone (mÅ)", "Equivalent width after transfer (mÅ)",
            fitted.Select(c => 1000 * c.EquivalentWidthBeforeAngstrom).ToArray(), fitted.Select(c => 1000 * c.EquivalentWidthAngstrom).ToArray()), rects[0]);
        yield return new PlotPanel(Scatter("FWHM; dashed line: unchanged (1:1)", "FWHM before, clone (Å)", "FWHM after transfer (Å)",
            fitted.Select(c => c.FwhmBeforeAngstrom).ToArray(), fitted.Select(c => c.FwhmAngstrom).ToArray()), rects[1]);
    }

    private static Plot Scatter(string title, string xLabel, string yLabel, double[] before, double[] after)
    {
        var p = PlotCanvas.Panel(title, xLabel, yLabel, Margins);
        var x = before.Select(Math.Log10).ToArray();
        var y = after.Select(Math.Log10).ToArray();
        var finite = Enumerable.Range(0, x.Length).Where(i => double.IsFinite(x[i]) && double.IsFinite(y[i])).ToArray();
        double lo = finite.Min(i => Math.Min(x[i], y[i])), hi = finite.Max(i => Math.Max(x[i], y[i]));
        double pad = 0.05 * Math.Max(hi - lo, 0.1);
        var unity = p.Add.Line(lo - pad, lo - pad, hi + pad, hi + pad);
        unity.Color = Colors.Gray;
        unity.LinePattern = LinePattern.Dashed;
        p.Add.Markers(finite.Select(i => x[i]).ToArray(), finite.Select(i => y[i]).ToArray(), MarkerShape.FilledCircle, 5, PlotCanvas.Series[1].WithAlpha(0.6));
        p.Axes.SetLimits(lo - pad, hi + pad, lo - pad, hi + pad);
        PlotCanvas.Log10Ticks(p.Axes.Bottom, new[] { lo - pad, hi + pad });
        PlotCanvas.Log10Ticks(p.Axes.Left, new[] { lo - pad, hi + pad });
        return p;
    }
}
