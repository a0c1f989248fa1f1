using System.Management.Automation;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;

namespace Blase.Cmdlets.Plots;

/// <summary>The figures Export-BlasePlot draws.</summary>
public enum PlotKind
{
    /// <summary>A spectrum; with a model (a transfer result, or a line model and -Spectrum), data and model per order with the residuals beneath.</summary>
    Spectrum,
    /// <summary>Data − model per order, with the data's ±1σ band.</summary>
    Residual,
    /// <summary>A line model's σ against γ coloured by amplitude, and amplitude against FWHM.</summary>
    LineShape,
    /// <summary>A transfer's equivalent widths and FWHMs after against before.</summary>
    EquivalentWidth,
    /// <summary>A clone's training loss at each iteration.</summary>
    Loss,
}

/// <summary>
/// <para type="synopsis">Draws a spectrum, a line model or a transfer result as a PNG figure: spectrum with model and residuals, residuals, line shapes, equivalent widths before and after a transfer, or a clone's loss curve.</para>
/// <para type="description">-Kind chooses the figure. Spectrum: a spectrum alone (all orders in one panel); a transfer result with
/// -Spectrum (the data it was fitted to), or a line model with -Spectrum (its template), gives per order the data with the model over
/// it and the residuals (data − model) beneath. Residual: the residuals alone per order, with the data's ±1σ band. LineShape: a line
/// model's (or a transfer's fitted model's) σ against γ coloured by log₁₀ amplitude, and amplitude against FWHM, on log axes.
/// EquivalentWidth: a transfer result's fitted lines, equivalent width and FWHM after against before, with the 1:1 line. Loss: a
/// clone's training loss at each iteration (from its report; a model imported from a Blase FITS file keeps it). A transfer result
/// keeps no loss history (only its iterations and final χ²), so -Kind Loss refuses one. Wavelengths are in Å, in the data's
/// medium. The figure is written as PNG (the only extension taken) to a temporary name and renamed; an existing file is kept
/// unless -Force is given. Several objects piped to one -Path are refused: one figure per file.</para>
/// </summary>
/// <example>
/// <code>$clone = Import-BlaseSpectrum ./lte03900.dat | Select-BlaseSpectrum -Wavelength 8640, 8790 | Invoke-BlaseClone -Teff 3900
/// $clone | Export-BlasePlot -Kind LineShape -Path ./lineshape.png
/// $clone | Export-BlasePlot -Kind Loss -Path ./loss.png</code>
/// <para>Clones a piece of a PHOENIX template and draws its lines' widths and amplitudes, and how the training loss fell.</para>
/// </example>
/// <example>
/// <code>$clone = Import-BlaseModel ./lte03900.blase.fits
/// $wasp = Import-BlaseSpectrum ./hpf/WASP_69_hpf_stack.fits
/// $result = $wasp | Invoke-BlaseTransfer -Model $clone -BarycentricCorrection 0
/// $result | Export-BlasePlot -Kind Spectrum -Spectrum $wasp -Path ./wasp69.png -Width 1600 -Force
/// $result | Export-BlasePlot -Kind EquivalentWidth -Path ./wasp69-ew.png -Force</code>
/// <para>Transfers a saved clone of that template to WASP-69 and draws the data, the model and the residuals of the order, then each line's equivalent
/// width and FWHM after the transfer against before it.</para>
/// </example>
[Cmdlet(VerbsData.Export, "BlasePlot", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBlasePlotCommand : BlaseCmdlet
{
    /// <summary>A spectrum, a line model or a transfer result, from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>The figure: Spectrum, Residual, LineShape, EquivalentWidth or Loss.</summary>
    [Parameter(Mandatory = true)]
    public PlotKind Kind { get; set; }

    /// <summary>The PNG file to write (.png; any other extension is refused).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The data to draw against a model (Spectrum and Residual kinds): the spectrum a transfer result was fitted to, or the template a line model was cloned from. None by default.</summary>
    [Parameter]
    public Spectrum? Spectrum { get; set; }

    /// <summary>Width of the picture in pixels. Default 1400.</summary>
    [Parameter]
    [ValidateRange(300, 10000)]
    public int Width { get; set; } = 1400;

    /// <summary>Height of the picture in pixels. Default: 600 for one panel row; for Spectrum and Residual with a model, 420 (230 for residuals alone) per order, at least 560 (420).</summary>
    [Parameter]
    [ValidateRange(200, 20000)]
    public int Height { get; set; }

    /// <summary>Overwrite an existing file. Off by default: an existing file is kept.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    private const int DefaultHeight = 600;

    protected override void ProcessRecord()
    {
        string target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!CheckExtension(target, "Export-BlasePlot", (".png", "PNG"))) return;
        IReadOnlyList<PlotPanel> panels;
        int height;
        try
        {
            (panels, height) = Figure(InputObject.BaseObject);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(ErrorFor(e, InputObject));
            return;
        }
        WriteFile(target, $"Draw a {Kind} figure of {Width}×{height} pixels", Force, t => PlotCanvas.SavePng(panels, Width, height, t));
    }

    private int HeightOr(int fallback) => Height > 0 ? Height : fallback;

    /// <summary>The panels of the figure -Kind asks of this input, and the picture's height; ArgumentException when the input cannot give that figure.</summary>
    private (IReadOnlyList<PlotPanel>, int) Figure(object input)
    {
        switch (Kind, input)
        {
            case (PlotKind.Spectrum, Spectrum s) when Spectrum is null:
                return (SpectrumPlot.Spectrum(s, Width, HeightOr(DefaultHeight)).ToList(), HeightOr(DefaultHeight));
            case (PlotKind.Spectrum or PlotKind.Residual, TransferResult r):
                return Comparison(r.Spectrum, RequireSpectrum(r.Spectrum), data => SpectrumPlot.Compare(data, r.ModelSpectrum));
            case (PlotKind.Spectrum or PlotKind.Residual, LineModel m):
                return Comparison(m.Name ?? "model", RequireSpectrum(m.Name ?? "a line model"), data => SpectrumPlot.Compare(data, m));
            case (PlotKind.Spectrum or PlotKind.Residual, Engine.Spectra.Spectrum _):
                throw new ArgumentException("to draw a spectrum against a model, pipe the model (a line model or a transfer result) and give the spectrum as -Spectrum");
            case (PlotKind.LineShape, LineModel m):
                return (LineShapePlot.Render(m.Name ?? "line model", m, Width, HeightOr(DefaultHeight)).ToList(), HeightOr(DefaultHeight));
            case (PlotKind.LineShape, TransferResult r):
                return (LineShapePlot.Render($"{r.Spectrum}, after transfer", r.Model, Width, HeightOr(DefaultHeight)).ToList(), HeightOr(DefaultHeight));
            case (PlotKind.EquivalentWidth, TransferResult r):
                return (LineChangePlot.Render(r, Width, HeightOr(DefaultHeight)).ToList(), HeightOr(DefaultHeight));
            case (PlotKind.EquivalentWidth, LineModel):
                throw new ArgumentException("-Kind EquivalentWidth compares lines before and after a transfer: pipe an Invoke-BlaseTransfer result (for one model's lines, use -Kind LineShape)");
            case (PlotKind.Loss, LineModel m):
                var report = m.Report?.Training ?? throw new ArgumentException($"the model {m.Name} has no training report (it was not cloned by Invoke-BlaseClone, or was read from a file that does not keep it, such as blasé's CSV): no loss to draw");
                return (LossPlot.Render(m.Name ?? "line model", report, Width, HeightOr(DefaultHeight)).ToList(), HeightOr(DefaultHeight));
            case (PlotKind.Loss, TransferResult r):
                throw new ArgumentException($"a transfer result keeps no loss history, only its {r.Iterations} iterations and final χ²/ν {r.ReducedChiSquare:G4}: -Kind Loss draws a clone's training (pipe the model from Invoke-BlaseClone)");
            default:
                throw new ArgumentException($"-Kind {Kind} does not draw a {input.GetType().Name}: Spectrum takes a spectrum, or a line model or transfer result with -Spectrum; Residual a line model or transfer result with -Spectrum; LineShape a line model or transfer result; EquivalentWidth a transfer result; Loss a line model from Invoke-BlaseClone");
        }
    }

    private Spectrum RequireSpectrum(string of) => Spectrum
        ?? throw new ArgumentException($"-Kind {Kind} of {of} needs the data to compare with: give -Spectrum (the spectrum it was fitted to)");

    private (IReadOnlyList<PlotPanel>, int) Comparison(string title, Spectrum data, Func<Spectrum, IReadOnlyList<OrderComparison>> compare)
    {
        var orders = compare(data);
        bool residualsOnly = Kind == PlotKind.Residual;
        int height = HeightOr(SpectrumPlot.DefaultHeight(orders.Count, residualsOnly));
        return (SpectrumPlot.Comparison(title, data.Medium, orders, residualsOnly, Width, height).ToList(), height);
    }
}
