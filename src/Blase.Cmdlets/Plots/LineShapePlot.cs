using Blase.Engine.Lines;
using ScottPlot;

namespace Blase.Cmdlets.Plots;

/// <summary>
/// The LineShape figure of a line model: σ against γ coloured by amplitude (left), amplitude against FWHM (right), all on
/// log axes (the widths and amplitudes of a clone span decades).
/// </summary>
public static class LineShapePlot
{
    private static readonly PixelPadding Margins = new(left: 90, right: 40, bottom: 60, top: 40);
    private static readonly PixelPadding ColorBarMargins = new(left: 90, right: 130, bottom: 60, top: 40);

    public static IEnumerable<PlotPanel> Render(string title, LineModel model, int width, int height)
    {
        var lines = LineRecord.From(model).ToList();
        var rects = PlotCanvas.Grid(width, height, new[] { 1.0 }, columns: 2);
        var logAmplitude = lines.Select(l => Math.Log10(l.Amplitude)).ToArray();

        var widths = PlotCanvas.Panel($"{title}: {lines.Count:N0} lines", "γ, Lorentzian half width (Å)", "σ, Gaussian standard deviation (Å)", ColorBarMargins);
        var scale = new ColorScale(new ScottPlot.Colormaps.Viridis(), logAmplitude.Min(), logAmplitude.Max());
        var logGamma = lines.Select(l => Math.Log10(l.GammaAngstrom)).ToArray();
        var logSigma = lines.Select(l => Math.Log10(l.SigmaAngstrom)).ToArray();
        scale.AddMarkers(widths, logGamma, logSigma, logAmplitude);
        var bar = widths.Add.ColorBar(scale, Edge.Right);
        bar.Label = "log₁₀ amplitude (Å)";
        bar.LabelStyle.FontSize = 15;
        bar.LabelStyle.FontName = PlotCanvas.FontName;
        bar.Axis.TickLabelStyle.FontSize = 13;
        bar.Axis.TickLabelStyle.FontName = PlotCanvas.FontName;
        PlotCanvas.Log10Ticks(widths.Axes.Bottom, logGamma);
        PlotCanvas.Log10Ticks(widths.Axes.Left, logSigma);
        yield return new PlotPanel(widths, rects[0]);

        var strength = PlotCanvas.Panel("Amplitude (equivalent width in linear mode) against FWHM", "FWHM (Å)", "Amplitude (Å)", Margins);
        var logFwhm = lines.Select(l => Math.Log10(l.FwhmAngstrom)).ToArray();
        strength.Add.Markers(logFwhm, logAmplitude, MarkerShape.FilledCircle, 4, PlotCanvas.Series[2].WithAlpha(0.5));
        PlotCanvas.Log10Ticks(strength.Axes.Bottom, logFwhm);
        PlotCanvas.Log10Ticks(strength.Axes.Left, logAmplitude);
        yield return new PlotPanel(strength, rects[1]);
    }
}
