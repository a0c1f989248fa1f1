using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using ScottPlot;

namespace Blase.Cmdlets.Plots;

/// <summary>One order of a comparison: the data, the model on the same pixels, and which pixels count.</summary>
public sealed record OrderComparison(int Order, double[] Wavelength, double[] Data, double[] Model, double[]? Uncertainty, bool[] Good)
{
    /// <summary>RMS of data − model over the good pixels.</summary>
    public double ResidualRms
    {
        get
        {
            double sum = 0; int n = 0;
            for (int i = 0; i < Data.Length; i++)
                if (Good[i]) { double r = Data[i] - Model[i]; sum += r * r; n++; }
            return n == 0 ? double.NaN : Math.Sqrt(sum / n);
        }
    }
}

/// <summary>
/// Spectrum and Residual figures: a spectrum alone (all orders in one panel), or data against a model per order with the
/// residuals (data − model) beneath; the Residual kind shows the residuals alone, with the data's ±1σ band.
/// </summary>
public static class SpectrumPlot
{
    private static readonly PixelPadding Margins = new(left: 95, right: 30, bottom: 60, top: 40);
    // Data over residuals: the upper panel keeps its tick labels but leaves the axis label to the residuals beneath it,
    // which need no title, so the residuals keep a readable height.
    private static readonly PixelPadding UpperMargins = new(left: 95, right: 30, bottom: 30, top: 40);
    private static readonly PixelPadding LowerMargins = new(left: 95, right: 30, bottom: 60, top: 6);

    /// <summary>
    /// The data under a model spectrum on (a subset of) the data's pixels, order by order: a transfer's model spectrum
    /// covers the pixels the fit used, which may be fewer than the order has (its edges, beyond the lines' reach).
    /// </summary>
    public static IReadOnlyList<OrderComparison> Compare(Spectrum data, Spectrum model)
    {
        var d = data.ToUnit(WavelengthUnit.Angstrom);
        var m = model.ToUnit(WavelengthUnit.Angstrom);
        var result = new List<OrderComparison>();
        foreach (var mo in m.Orders)
        {
            string wrong = $"-Spectrum {data.Name} is not the spectrum the transfer was fitted to: its order {mo.Number} does not hold the model's pixels";
            var o = d.Orders.FirstOrDefault(x => x.Number == mo.Number) ?? throw new ArgumentException(wrong);
            var pixel = mo.Wavelength.Select(w => Array.BinarySearch(o.Wavelength, w)).ToArray();
            if (pixel.Any(j => j < 0)) throw new ArgumentException(wrong);
            var sub = new SpectralOrder(o.Number, mo.Wavelength, pixel.Select(j => o.Flux[j]).ToArray(),
                o.Uncertainty is double[] u ? pixel.Select(j => u[j]).ToArray() : null, pixel.Select(j => o.Mask[j]).ToArray());
            result.Add(Comparison(sub, mo.Flux));
        }
        return result;
    }

    /// <summary>The orders of <paramref name="data"/> that the line model covers, with the model evaluated natively at each pixel.</summary>
    public static IReadOnlyList<OrderComparison> Compare(Spectrum data, LineModel model)
    {
        var d = data.ToUnit(WavelengthUnit.Angstrom);
        double min = model.Center.Min(), max = model.Center.Max();
        var orders = d.Orders.Where(o => o.MaxWavelength >= min && o.MinWavelength <= max).ToList();
        if (orders.Count == 0)
            throw new ArgumentException($"-Spectrum {data.Name} ({d.MinWavelength:F1}–{d.MaxWavelength:F1} Å) does not overlap the model's lines ({min:F1}–{max:F1} Å)");
        return orders.Select(o => Comparison(o, model.Evaluate(o.Wavelength))).ToList();
    }

    private static OrderComparison Comparison(SpectralOrder o, double[] model)
    {
        var good = new bool[o.PixelCount];
        for (int i = 0; i < good.Length; i++) good[i] = o.Mask[i] && double.IsFinite(o.Flux[i]) && double.IsFinite(model[i]);
        return new OrderComparison(o.Number, o.Wavelength, o.Flux, model, o.Uncertainty, good);
    }

    /// <summary>Default picture height for a figure of <paramref name="orders"/> orders.</summary>
    public static int DefaultHeight(int orders, bool residualsOnly) => residualsOnly ? Math.Max(420, 230 * orders) : Math.Max(560, 420 * orders);

    /// <summary>A spectrum alone: every order in one panel, successive orders in alternating colours.</summary>
    public static IEnumerable<PlotPanel> Spectrum(Spectrum spectrum, int width, int height)
    {
        var s = spectrum.ToUnit(WavelengthUnit.Angstrom);
        var p = PlotCanvas.Panel($"{s.Name}: {s.OrderCount} order{(s.OrderCount == 1 ? "" : "s")}, {s.GoodPixelCount:N0} good pixels",
            WavelengthLabel(s.Medium), FluxLabel(s), Margins);
        for (int k = 0; k < s.OrderCount; k++)
        {
            var o = s.Orders[k];
            var good = o.Mask.Select((m, i) => m && double.IsFinite(o.Flux[i])).ToArray();
            AddSegments(p, o.Wavelength, o.Flux, good, k % 2 == 0 ? PlotCanvas.Series[0] : PlotCanvas.Series[2], 1);
        }
        yield return new PlotPanel(p, new PixelRect(new Pixel(0, 0), new PixelSize(width, height)));
    }

    /// <summary>Per order, the data with the model over it and the residuals beneath (or the residuals alone).</summary>
    public static IEnumerable<PlotPanel> Comparison(string title, WavelengthMedium medium, IReadOnlyList<OrderComparison> orders,
        bool residualsOnly, int width, int height)
    {
        var weights = orders.SelectMany(_ => residualsOnly ? new[] { 1.0 } : new[] { 3.0, 2.0 }).ToList();
        var rects = PlotCanvas.Grid(width, height, weights);
        int r = 0;
        foreach (var o in orders)
        {
            // The series are named in the titles, not in legends, which would sit on the data.
            string head = $"{title}: order {o.Order}, residual RMS {o.ResidualRms:G3}";
            string bandNote = o.Uncertainty is null ? "" : "; blue band: ±1σ of the data";
            if (!residualsOnly)
            {
                var top = PlotCanvas.Panel($"{head}; data black, model orange{bandNote}", "", "Flux", UpperMargins);
                AddSegments(top, o.Wavelength, o.Data, o.Good, PlotCanvas.Series[0], 1);
                AddSegments(top, o.Wavelength, o.Model, o.Good, PlotCanvas.Series[1], 1.5f);
                top.Axes.SetLimitsX(o.Wavelength[0], o.Wavelength[^1]);
                yield return new PlotPanel(top, rects[r++]);
            }
            var bottom = PlotCanvas.Panel(residualsOnly ? head + bandNote : "", WavelengthLabel(medium), "Data − model", residualsOnly ? Margins : LowerMargins);
            var residual = o.Data.Select((d, i) => d - o.Model[i]).ToArray();
            if (o.Uncertainty is double[] sigma)
            {
                // The ±1σ band of the data: residuals inside it are noise.
                var band = Enumerable.Range(0, o.Data.Length).Where(i => o.Good[i] && double.IsFinite(sigma[i]))
                    .Select(i => (o.Wavelength[i], -sigma[i], sigma[i])).ToList();
                if (band.Count > 1)
                {
                    var fill = bottom.Add.FillY(band);
                    fill.FillColor = PlotCanvas.Series[6].WithAlpha(0.35);
                    fill.LineWidth = 0;
                }
            }
            bottom.Add.HorizontalLine(0, 1, Colors.Gray, LinePattern.Dashed);
            AddSegments(bottom, o.Wavelength, residual, o.Good, PlotCanvas.Series[0], 1);
            bottom.Axes.SetLimitsX(o.Wavelength[0], o.Wavelength[^1]);
            yield return new PlotPanel(bottom, rects[r++]);
        }
    }

    /// <summary>Draws the good pixels as lines, broken where pixels are bad so that no line bridges a gap.</summary>
    private static void AddSegments(Plot p, double[] x, double[] y, bool[] good, Color color, float width)
    {
        int i = 0;
        while (i < x.Length)
        {
            while (i < x.Length && !good[i]) i++;
            int start = i;
            while (i < x.Length && good[i]) i++;
            if (i - start < 2) continue;
            var line = p.Add.SignalXY(x[start..i], y[start..i], color);
            line.LineWidth = width;
        }
    }

    private static string WavelengthLabel(WavelengthMedium medium) => $"{medium} wavelength (Å)";

    private static string FluxLabel(Spectrum s) => s.Metadata.FluxUnit is { Length: > 0 } unit ? $"Flux ({unit})" : "Flux";
}
