using Blase.Engine.IO;
using ScottPlot;
using SkiaSharp;

namespace Blase.Cmdlets.Plots;

/// <summary>A panel of a figure: a ScottPlot plot and where it goes, in pixels of the whole picture.</summary>
public sealed record PlotPanel(Plot Plot, PixelRect Rect);

/// <summary>
/// What every Blase figure shares: the bundled font, readable sizes, fixed margins so that stacked panels line up, and
/// composing panels into one PNG written atomically.
/// </summary>
public static class PlotCanvas
{
    /// <summary>DejaVu Sans ships beside the dll: the SkiaSharp build used (no fontconfig) finds no system font on a bare
    /// machine, and a figure without text is no figure. It also covers Å, σ, γ, λ and superscripts.</summary>
    public const string FontName = "DejaVu Sans";

    private static readonly object FontLock = new();
    private static bool _fontRegistered;

    private static void RegisterFont()
    {
        lock (FontLock)
        {
            if (_fontRegistered) return;
            string dir = System.IO.Path.GetDirectoryName(typeof(PlotCanvas).Assembly.Location)!;
            string file = System.IO.Path.Combine(dir, "DejaVuSans.ttf");
            if (!File.Exists(file)) throw new FileNotFoundException($"the plot font {file} is missing from the module folder (reinstall the module)", file);
            Fonts.AddFontFile(FontName, file, bold: false, italic: false);
            Fonts.AddFontFile(FontName, file, bold: true, italic: false);
            Fonts.Default = FontName;
            _fontRegistered = true;
        }
    }

    /// <summary>A panel with the bundled font, labels of 16 px and tick labels of 14 px, and fixed margins (left, right,
    /// bottom, top in pixels) so that panels stacked in a column share their data area's left and right edges.</summary>
    public static Plot Panel(string title, string xLabel, string yLabel, PixelPadding margins)
    {
        RegisterFont();
        var p = new Plot();
        p.Font.Set(FontName);
        p.Title(title, 17);
        p.XLabel(xLabel, 16);
        p.YLabel(yLabel, 16);
        foreach (var axis in new IAxis[] { p.Axes.Bottom, p.Axes.Left })
        {
            axis.TickLabelStyle.FontSize = 14;
            axis.TickLabelStyle.FontName = FontName;
        }
        p.Layout.Fixed(margins);
        return p;
    }

    /// <summary>Lays panels out in a grid of <paramref name="rows"/> with the given relative heights, one column each
    /// unless <paramref name="columns"/> says otherwise (row-major).</summary>
    public static IReadOnlyList<PixelRect> Grid(int width, int height, IReadOnlyList<double> rowWeights, int columns = 1)
    {
        double total = rowWeights.Sum();
        var rects = new List<PixelRect>();
        double top = 0;
        foreach (double w in rowWeights)
        {
            float h = (float)(height * w / total);
            for (int c = 0; c < columns; c++)
            {
                float left = (float)width * c / columns;
                rects.Add(new PixelRect(new Pixel(left, (float)top), new PixelSize((float)width / columns, h)));
            }
            top += h;
        }
        return rects;
    }

    /// <summary>Draws the panels on a white picture of width × height pixels and writes it as PNG, atomically.</summary>
    public static void SavePng(IEnumerable<PlotPanel> panels, int width, int height, string path)
    {
        var info = new SKImageInfo(width, height);
        using var surface = SKSurface.Create(info) ?? throw new InvalidOperationException($"cannot make a {width}×{height} picture");
        surface.Canvas.Clear(SKColors.White);
        foreach (var panel in panels)
        {
            // Each panel on its own surface: ScottPlot clears the whole canvas it renders on.
            var size = new SKImageInfo(Math.Max(1, (int)Math.Round(panel.Rect.Width)), Math.Max(1, (int)Math.Round(panel.Rect.Height)));
            using var panelSurface = SKSurface.Create(size) ?? throw new InvalidOperationException($"cannot make a {size.Width}×{size.Height} panel");
            panel.Plot.Render(panelSurface);
            using var picture = panelSurface.Snapshot();
            surface.Canvas.DrawImage(picture, (float)Math.Round(panel.Rect.Left), (float)Math.Round(panel.Rect.Top));
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, s => png.SaveTo(s));
    }

    /// <summary>
    /// Ticks for an axis that holds log₁₀ of the values (ScottPlot has no log axes): labelled at 1, 2 and 5 × 10ᵏ when the
    /// data span under two decades, else at the powers of ten with the rest as minor ticks.
    /// </summary>
    public static void Log10Ticks(IAxis axis, IEnumerable<double> log10Values)
    {
        var finite = log10Values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return;
        double lo = finite.Min() - 0.05, hi = finite.Max() + 0.05;
        bool fine = hi - lo < 2;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int k = (int)Math.Floor(lo); k <= (int)Math.Ceiling(hi); k++)
            for (int m = 1; m <= 9; m++)
            {
                double position = k + Math.Log10(m);
                if (position < lo || position > hi) continue;
                if (m == 1 || (fine && m is 2 or 5)) ticks.AddMajor(position, Format(m * Math.Pow(10, k)));
                else ticks.AddMinor(position);
            }
        axis.TickGenerator = ticks;
    }

    private static string Format(double value) =>
        value is >= 1e-3 and < 1e5 ? value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) : value.ToString("0e0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Colours of successive series, distinct on white and for the common colour-vision deficiencies (Okabe–Ito).</summary>
    public static readonly IReadOnlyList<Color> Series = Array.AsReadOnly(new[]
    {
        Color.FromHex("#000000"), Color.FromHex("#D55E00"), Color.FromHex("#0072B2"), Color.FromHex("#009E73"),
        Color.FromHex("#E69F00"), Color.FromHex("#CC79A7"), Color.FromHex("#56B4E9"),
    });
}
