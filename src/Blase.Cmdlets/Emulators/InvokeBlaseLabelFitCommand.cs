using System.Collections;
using System.Management.Automation;
using Blase.Engine.Emulators;
using Blase.Engine.Emulators.LabelFitting;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Emulators;

/// <summary>
/// <para type="synopsis">Infers the stellar labels of an observed spectrum with a grid emulator: labels, RV, v sin i and a continuum.</para>
/// <para type="description">Invoke-BlaseLabelFit fits an emulator (a PCA + GP emulator from New-BlaseEmulator or Import-BlaseModel, or a The
/// Payne network read by Import-BlaseModel) to a spectrum: the emulator's spectrum at the labels is rotationally broadened by
/// v sin i (Gray's kernel), shifted by the radial velocity (relativistic Doppler factor), sampled at the spectrum's pixels and
/// multiplied by a Chebyshev continuum per order, which is solved exactly at every step. The labels stay inside the emulator's
/// range (or -LabelMinimum/-LabelMaximum); -FixLabel holds some at a value. Pixels the spectrum masks, pixels the emulator masks
/// (The Payne's APOGEE mask), and -Exclude ranges are left out. For a PCA + GP emulator its own covariance is added to the data's
/// (Czekala et al. 2015), so a spectrum between grid points is not over-fitted. The result has the labels and their 1-sigma
/// errors in the emulator's label order (LabelNames), from the curvature of the likelihood at the optimum with the continuum
/// marginalized; the RV and v sin i with theirs; chi-square; and the model spectrum. A spectrum without uncertainties gets errors
/// scaled by the square root of the reduced chi-square.</para>
/// </summary>
/// <example>
/// <code>$net = Import-BlaseModel ./payne/NN_normalized_spectra.npz
/// $star = Get-BlaseTemplate -Emulator $net -Label 5230, 4.42, -0.12, 0.05, 6
/// $star | Invoke-BlaseLabelFit -Emulator $net</code>
/// <para>Fits The Payne 2018 network to a spectrum it made and shows the labels it finds (5230 K, log g 4.42, [Fe/H] -0.12, ...).</para>
/// </example>
/// <example>
/// <code>$e = New-BlaseEmulator ./grids/PHOENIX_IGRINS_m075.hdf5 -ExplainedVariance 0.999
/// Get-BlaseTemplate -Emulator $e -Teff 3950 -LogG 3.6 -Metallicity 0.1 -Sample -Seed 1 | Invoke-BlaseLabelFit -Emulator $e -FitVsini | Format-List Summary, RadialVelocity*, Vsini*</code>
/// <para>Fits a PCA + GP emulator, v sin i free, to a draw from itself and lists the labels with their errors, RV and v sin i.</para>
/// </example>
/// <example>
/// <code>$net = Import-BlaseModel ./payne/NN_normalized_spectra.npz
/// $stars = 4800, 5200 | ForEach-Object { Get-BlaseTemplate -Emulator $net -Label $_, 4.4, 0, 0, 6 }
/// $stars | Invoke-BlaseLabelFit -Emulator $net -FixLabel @{ Vmacro = 6 } -Exclude 15890, 15895 |
///     Select-Object SpectrumName, @{ n = 'Teff'; e = { $_.Label('Teff') } }, @{ n = 'LogG'; e = { $_.Label('LogG') } } | Export-Csv labels.csv</code>
/// <para>Fits a batch of spectra (here two the network made; APOGEE files from Import-BlaseSpectrum pipe in the same way) with v_macro held at 6 km/s and one wavelength range left out, and writes Teff and log g to a table.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "BlaseLabelFit")]
[OutputType(typeof(LabelFitResult))]
public sealed class InvokeBlaseLabelFitCommand : BlaseCmdlet
{
    private CancellationTokenSource? _cancel;

    /// <summary>The emulator: a PCA + GP emulator (New-BlaseEmulator, Import-BlaseModel .hdf5) or a neural network (Import-BlaseModel .npz, New-BlaseEmulator -Kind Neural).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public ISpectralEmulator Emulator { get; set; } = null!;

    /// <summary>The observed spectrum (one or many orders), from the pipeline; wavelengths in either medium (converted to the emulator's).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("InputObject")]
    public Spectrum Spectrum { get; set; } = null!;

    /// <summary>Starting labels in the emulator's order (LabelNames); default the centre of its range.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public double[]? InitialLabel { get; set; }

    /// <summary>Lower bounds of the labels, in the emulator's order; default its range.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public double[]? LabelMinimum { get; set; }

    /// <summary>Upper bounds of the labels, in the emulator's order; default its range.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public double[]? LabelMaximum { get; set; }

    /// <summary>Labels held at a value, by name: @{ Vmacro = 6; MgFe = 0 }.</summary>
    [Parameter] public Hashtable? FixLabel { get; set; }

    /// <summary>The starting radial velocity (km/s); default found by a chi-square search over +/- 300 km/s.</summary>
    [Parameter] [ValidateRange(-100_000, 100_000)] public double RadialVelocity { get; set; }

    /// <summary>Hold the radial velocity at -RadialVelocity (0 when not given) instead of fitting it.</summary>
    [Parameter] public SwitchParameter FixRadialVelocity { get; set; }

    /// <summary>The starting (or, without -FitVsini, fixed) v sin i in km/s; default 0.</summary>
    [Parameter] [ValidateRange(0, 1000)] public double Vsini { get; set; }

    /// <summary>Fit v sin i (Gray's rotational kernel; bounded by 0 and 100 km/s).</summary>
    [Parameter] public SwitchParameter FitVsini { get; set; }

    /// <summary>Linear limb-darkening coefficient of the rotational kernel (default 0.6).</summary>
    [Parameter] [ValidateRange(0.0, 1.0)] public double LimbDarkening { get; set; }

    /// <summary>Degree of the Chebyshev continuum fitted per order (default 2).</summary>
    [Parameter] [ValidateRange(0, 20)] public int ContinuumDegree { get; set; }

    /// <summary>Wavelength ranges to leave out, as pairs of minimum and maximum (Angstrom, the spectrum's medium): -Exclude 15890, 15895, 16200, 16210.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public double[]? Exclude { get; set; }

    /// <summary>Leave the PCA + GP emulator's covariance out of the likelihood (data errors alone; errors then come out too small between grid points).</summary>
    [Parameter] public SwitchParameter NoEmulatorCovariance { get; set; }

    /// <summary>Most Newton iterations (default 50).</summary>
    [Parameter] [ValidateRange(1, 10_000)] public int MaxIterations { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var o = Options();
            _cancel = new CancellationTokenSource();
            var progress = new ProgressRecord(4, $"Invoke-BlaseLabelFit {Spectrum.Name}", "starting");
            var result = LabelFit.Fit(Emulator, Spectrum, o, EmulatorName(), (iteration, value) =>
            {
                progress.StatusDescription = $"iteration {iteration}, -2 ln L {value:G8}";
                progress.PercentComplete = Math.Min(99, 100 * iteration / o.MaxIterations);
                WriteProgress(progress);
            }, _cancel.Token);
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            WriteVerbose($"{result}; {result.PixelsUsed} pixels, {result.Iterations} iterations ({result.Evaluations} evaluations) in {result.Elapsed.TotalSeconds:F2} s" +
                         (result.EmulatorCovarianceUsed ? "; the emulator's covariance added to the data's" : ""));
            if (!result.Converged)
                WriteWarning($"{Spectrum.Name}: the fit stopped at the iteration limit ({o.MaxIterations}) before converging (raise -MaxIterations)");
            for (int d = 0; d < result.LabelNames.Length; d++)
                if (double.IsNaN(result.LabelErrors[d]))
                    WriteWarning($"{Spectrum.Name}: {result.LabelNames[d]} ended on its bound ({result.Labels[d]:G6}); it has no error");
            WriteObject(result);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(ErrorFor(e, Spectrum));
        }
        finally
        {
            _cancel?.Dispose();
            _cancel = null;
        }
    }

    /// <summary>The defaults live in LabelFitOptions; only what the user bound is copied.</summary>
    private LabelFitOptions Options()
    {
        var o = new LabelFitOptions();
        var bound = MyInvocation.BoundParameters;
        if (bound.ContainsKey(nameof(InitialLabel))) o = o with { InitialLabels = InitialLabel };
        if (bound.ContainsKey(nameof(LabelMinimum))) o = o with { LabelLowerBounds = LabelMinimum };
        if (bound.ContainsKey(nameof(LabelMaximum))) o = o with { LabelUpperBounds = LabelMaximum };
        if (FixLabel is not null)
        {
            var fixedLabels = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry e in FixLabel)
                fixedLabels[e.Key?.ToString() ?? ""] = Convert.ToDouble(e.Value, System.Globalization.CultureInfo.InvariantCulture);
            o = o with { FixedLabels = fixedLabels };
        }
        if (bound.ContainsKey(nameof(RadialVelocity))) o = o with { RadialVelocity = RadialVelocity };
        if (FixRadialVelocity) o = o with { FitRadialVelocity = false, RadialVelocity = RadialVelocity };
        if (bound.ContainsKey(nameof(Vsini))) o = o with { Vsini = Vsini };
        if (FitVsini) o = o with { FitVsini = true };
        if (bound.ContainsKey(nameof(LimbDarkening))) o = o with { LimbDarkening = LimbDarkening };
        if (bound.ContainsKey(nameof(ContinuumDegree))) o = o with { ContinuumDegree = ContinuumDegree };
        if (Exclude is not null)
        {
            if (Exclude.Length % 2 != 0) throw new ArgumentException("-Exclude takes pairs of wavelengths (minimum, maximum)");
            o = o with { Exclude = Enumerable.Range(0, Exclude.Length / 2).Select(k => (Math.Min(Exclude[2 * k], Exclude[2 * k + 1]), Math.Max(Exclude[2 * k], Exclude[2 * k + 1]))).ToArray() };
        }
        if (NoEmulatorCovariance) o = o with { UseEmulatorCovariance = false };
        if (bound.ContainsKey(nameof(MaxIterations))) o = o with { MaxIterations = MaxIterations };
        return o;
    }

    private string EmulatorName() => Emulator switch
    {
        Engine.Emulators.Starfish.PcaGpEmulator p => p.SourcePath is { } s ? System.IO.Path.GetFileName(s) : p.Name ?? "PCA-GP emulator",
        Engine.Emulators.Payne.PayneNetwork n => n.SourcePath is { } s ? System.IO.Path.GetFileName(s) : "Payne network",
        _ => Emulator.GetType().Name,
    };

    protected override void StopProcessing() => _cancel?.Cancel();
}
