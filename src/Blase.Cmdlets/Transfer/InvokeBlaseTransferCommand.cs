using Blase.Cmdlets.Completion;
using System.Collections;
using System.Management.Automation;
using Blase.Engine.Compute;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;

namespace Blase.Cmdlets.Transfer;

/// <summary>
/// <para type="synopsis">Fits a cloned line model to an observed spectrum: RV, v sin i, resolution, continuum and every line.</para>
/// <para type="description">Invoke-BlaseTransfer shifts the clone's lines by the radial velocity (relativistic Doppler factor),
/// broadens them by rotation (Gray's kernel with limb darkening), multiplies by an optional telluric line model, convolves with a
/// Gaussian line-spread function of resolving power R, integrates over each data pixel and multiplies by a Chebyshev continuum
/// per order, then fits the free parameters (-Free) to the data with χ² and a prior that pulls each line toward its cloned value.
/// All orders (or -Order) are fitted jointly with one RV, v sin i and line list. Without -RadialVelocity, a χ² search over
/// ±-RadialVelocitySearch km/s finds the start. The result carries RV ± σ, v sin i ± σ (lines and continua marginalized: the
/// curvature at the optimum scaled by √(χ²/ν), or the robust sandwich estimate from the residuals when that is larger, as it is
/// where the template does not match the star; ErrorMethod says which), R, χ², the residual RMS, per-order results, the model
/// spectrum and the updated line model; Get-BlaseLine on
/// it lists every line before and after. The barycentric correction comes from the header (HPF's BRVCORR) unless
/// -BarycentricCorrection gives one; -BarycentricCorrection 0 applies none (for spectra already in the barycentric frame).
/// -CheckpointPath saves the joint fit's state every -CheckpointInterval iterations and on a stop (Levenberg-Marquardt only), with
/// the transferred lines at the best point so far (Import-BlaseModel reads them, also after Ctrl+C); the same command with the
/// same -CheckpointPath resumes and ends with the result of an uninterrupted run. Where the template does not match the star
/// (another temperature), the telluric lines fitted beside lines the template lacks pull the RV: -TelluricMask drops the pixels
/// the tellurics absorb in (precise-RV practice), and -Free Default,Centers with -Prior L1 lets the few lines the template places
/// wrongly move alone (on Barnard's star with a 3900 K template, the per-order RVs then agree; README).</para>
/// </summary>
/// <example>
/// <code>$clone = Import-BlaseSpectrum ./lte03900.dat -Wavelength 8640, 8790 | Invoke-BlaseClone -Teff 3900
/// Import-BlaseSpectrum ./hpf/WASP_69_hpf_stack.fits | Invoke-BlaseTransfer -Model $clone -BarycentricCorrection 0</code>
/// <para>Clones 150 Å of a 3900 K PHOENIX template and fits it to a barycentric HPF order of WASP-69.</para>
/// </example>
/// <example>
/// <code>$clone = Import-BlaseModel ./lte03900.blase.fits
/// Import-BlaseSpectrum ./hpf/GJ_699_Slope-20181003T013939_R01.optimal.fits | Invoke-BlaseTransfer -Model $clone -Order 4,5,6 -Free RadialVelocity,Vsini,Continuum -Verbose | Format-List RadialVelocity*, Vsini*</code>
/// <para>Fits a saved clone to three orders of Barnard's star jointly, the lines frozen, and shows the RV and v sin i with their uncertainties.</para>
/// </example>
/// <example>
/// <code>$clone = Import-BlaseModel ./lte03900.blase.fits
/// $tellurics = Import-BlaseSpectrum ./telluric/telfit_HPFtemplate_temp286_hum050.csv -Wavelength 8650, 8775 | Invoke-BlaseClone -Normalized -Mode Log -Prominence 0.005
/// Import-BlaseSpectrum ./hpf/GJ_699_Slope-20181003T013939_R01.optimal.fits | Invoke-BlaseTransfer -Model $clone -Order 5 -Telluric $tellurics -TelluricMask 0.02 -Free Default,Centers,Telluric -Prior L1</code>
/// <para>The recipe for a template that does not match the star (here a 3900 K model for an M4 dwarf): the pixels where the tellurics absorb
/// more than 2 % are dropped, the shallower tellurics fitted, and each line's centre may move under an L1 prior, so the few lines the
/// template places wrongly move alone and the rest carry the RV.</para>
/// </example>
/// <example>
/// <code>$clone = Import-BlaseModel ./lte03900.blase.fits
/// $tellurics = Import-BlaseSpectrum ./telluric/telfit_HPFtemplate_temp286_hum050.csv -Wavelength 8640, 8790 | Invoke-BlaseClone -Normalized
/// $r = Import-BlaseSpectrum ./hpf/WASP_69_hpf_stack.fits | Invoke-BlaseTransfer -Model $clone -Telluric $tellurics -Free Default,Telluric -BarycentricCorrection 0
/// $r | Get-BlaseLine | Export-BlaseLines -Path changes.xlsx</code>
/// <para>Clones a TelFit transmission spectrum, fits star and tellurics together and writes every line's before and after to Excel.</para>
/// </example>
/// <example>
/// <code>$wasp = Import-BlaseSpectrum ./hpf/WASP_69_hpf_stack.fits
/// $r = $wasp | Invoke-BlaseTransfer -Model (Import-BlaseModel ./lte03900.blase.fits) -BarycentricCorrection 0 -CheckpointPath ./wasp69.ckpt.fits -CheckpointInterval 5</code>
/// <para>Checkpoints the fit every 5 iterations. After Ctrl+C, `Import-BlaseModel ./wasp69.ckpt.fits` gives the transferred lines at
/// the best point so far (RV, v sin i and R in its provenance), and the same command resumes the fit.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "BlaseTransfer")]
[OutputType(typeof(TransferResult))]
public sealed class InvokeBlaseTransferCommand : CheckpointedCmdlet
{
    private CancellationTokenSource? _cancel;
    private volatile bool _stopping;

    /// <summary>The cloned line model of the star (Invoke-BlaseClone, Import-BlaseModel).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public LineModel Model { get; set; } = null!;

    /// <summary>The observed spectrum (one or many orders), from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("InputObject")]
    public Spectrum Spectrum { get; set; } = null!;

    /// <summary>A cloned telluric line model (best in -Mode Log), multiplied with the star before the instrument; it does not shift with RV.</summary>
    [Parameter] public LineModel? Telluric { get; set; }

    /// <summary>Drop the pixels where the -Telluric model absorbs more than this fraction (0.02 = 2 %) within one instrumental FWHM,
    /// as precise-RV work does, instead of fitting the star through deep tellurics; the telluric lines are still fitted in the
    /// pixels that remain when -Free includes Telluric. Default: no mask.</summary>
    [Parameter] [ValidateRange(1e-4, 0.9999)] public double TelluricMask { get; set; }

    /// <summary>Only these orders (their numbers in the file); default all that the model reaches.</summary>
    [Parameter] [ArgumentCompleter(typeof(OrderCompleter))] public int[]? Order { get; set; }

    /// <summary>The instrument's resolving power λ/Δλ (the start, when -Free includes Resolution); default 55,000 (HPF).</summary>
    [Parameter] [ValidateRange(100, 10_000_000)] public double ResolvingPower { get; set; }

    /// <summary>Linear change of R across each order: R(x) = R·(1 + slope·x), x from −1 to 1.</summary>
    [Parameter] [ValidateRange(-0.9, 0.9)] public double ResolvingPowerSlope { get; set; }

    /// <summary>The parameter groups to fit: Lines (Amplitudes and Widths), Amplitudes, Widths, Centers, RadialVelocity, Vsini, Resolution, Continuum, Telluric; Default is Lines, RadialVelocity, Vsini, Continuum.</summary>
    [Parameter] public TransferParameters[] Free { get; set; } = Array.Empty<TransferParameters>();

    /// <summary>L2 (Gaussian) or L1 (lets a few lines move far) pull of each line toward its cloned value.</summary>
    [Parameter] public PriorKind Prior { get; set; }

    /// <summary>The prior's scales, as a hashtable with any of Center (Å), LnAmplitude, LnSigma, LnGamma; e.g. @{ LnAmplitude = 0.5 }.</summary>
    [Parameter] public Hashtable? PriorScale { get; set; }

    /// <summary>Multiplies the whole prior (0: none; large: the template); default 1. Ignored with -CrossValidate.</summary>
    [Parameter] [ValidateRange(0, 1e12)] public double PriorStrength { get; set; }

    /// <summary>Choose the prior strength by 4-fold cross-validation over interleaved pixels (slower: 20 extra fits).</summary>
    [Parameter] public SwitchParameter CrossValidate { get; set; }

    /// <summary>Barycentric correction in km/s to add to the fitted RV; 0 applies none. Default: the header's value (BRVCORR) if any.</summary>
    [Parameter] public double? BarycentricCorrection { get; set; }

    /// <summary>The starting RV in km/s; without it a χ² search finds the start.</summary>
    [Parameter] public double? RadialVelocity { get; set; }

    /// <summary>The half-width of the RV search, km/s; default 300.</summary>
    [Parameter] [ValidateRange(1, 2000)] public double RadialVelocitySearch { get; set; }

    /// <summary>The starting v sin i, km/s; default 2.</summary>
    [Parameter] [ValidateRange(0, 500)] public double Vsini { get; set; }

    /// <summary>Linear limb-darkening coefficient ε of the rotation kernel; default 0.6.</summary>
    [Parameter] [ValidateRange(0, 1)] public double LimbDarkening { get; set; }

    /// <summary>Degree of each order's Chebyshev continuum; default 3 (cubic).</summary>
    [Parameter] [ValidateRange(0, 30)] public int ContinuumDegree { get; set; }

    /// <summary>LevenbergMarquardt (default, fastest: Gauss–Newton through every stage), Lbfgs, or Adam (as blasé).</summary>
    [Parameter] public TransferOptimizer Optimizer { get; set; }

    /// <summary>Most iterations of the full fit; default 200.</summary>
    [Parameter] [ValidateRange(1, 1_000_000)] public int MaxIterations { get; set; }

    /// <summary>Auto takes a CUDA GPU for the forward model and its adjoint when one works (falling back to the CPU, with a verbose message); Cpu or Cuda force one. The Gauss–Newton Jacobian is formed on the CPU.</summary>
    [Parameter] public DeviceKind Device { get; set; } = DeviceKind.Auto;

    /// <summary>Stop the full fit after this many seconds and return the best point reached (its uncertainties are those of an
    /// unconverged point; a warning says so). Ctrl+C stops the same way, but PowerShell then takes no more output: with
    /// -CheckpointPath the best point so far is in the checkpoint.</summary>
    [Parameter] [ValidateRange(0.001, 1e7)] public double? TimeLimit { get; set; }

    protected override void ProcessRecord()
    {
        // The defaults live in TransferOptions; only what the user bound is copied (the device policy is the cmdlets': Auto).
        var o = new TransferOptions { Device = Device };
        var bound = MyInvocation.BoundParameters;
        if (bound.ContainsKey(nameof(Free))) o.Free = Free.Aggregate(TransferParameters.None, (a, b) => a | b);
        if (bound.ContainsKey(nameof(Prior))) o.Prior = Prior;
        if (bound.ContainsKey(nameof(PriorStrength))) o.PriorStrength = PriorStrength;
        if (bound.ContainsKey(nameof(CrossValidate))) o.CrossValidate = CrossValidate;
        if (bound.ContainsKey(nameof(ResolvingPower))) o.ResolvingPower = ResolvingPower;
        if (bound.ContainsKey(nameof(ResolvingPowerSlope))) o.ResolvingPowerSlope = ResolvingPowerSlope;
        if (bound.ContainsKey(nameof(RadialVelocity))) o.RadialVelocity = RadialVelocity;
        if (bound.ContainsKey(nameof(RadialVelocitySearch))) o.RadialVelocitySearchKms = RadialVelocitySearch;
        if (bound.ContainsKey(nameof(Vsini))) o.Vsini = Vsini;
        if (bound.ContainsKey(nameof(LimbDarkening))) o.LimbDarkening = LimbDarkening;
        if (bound.ContainsKey(nameof(ContinuumDegree))) o.ContinuumDegree = ContinuumDegree;
        if (bound.ContainsKey(nameof(BarycentricCorrection))) o.BarycentricCorrectionKms = BarycentricCorrection;
        if (bound.ContainsKey(nameof(Optimizer))) o.Optimizer = Optimizer;
        if (bound.ContainsKey(nameof(TelluricMask))) o.TelluricMaskDepth = TelluricMask;
        if (bound.ContainsKey(nameof(MaxIterations))) o.MaxIterations = MaxIterations;
        try
        {
            ApplyPriorScale(o);
            o.Checkpoint = Checkpoint();
            var data = Order is null ? Spectrum : Spectrum.SelectOrders(Order);
            _cancel = TimeLimit is double limit ? new CancellationTokenSource(TimeSpan.FromSeconds(limit)) : new CancellationTokenSource();
            var progress = new ProgressRecord(3, $"Invoke-BlaseTransfer {Spectrum.Name}", "starting");
            var last = DateTime.MinValue;
            var result = Engine.Transfer.Transfer.Fit(data, Model, Telluric, o, p =>
            {
                // After Ctrl+C PowerShell takes no result, so the fit need not compute its uncertainties: unwinding from the
                // first report after the stop (the joint fit reports after its current step) ends it at once, its checkpoint written.
                if (_stopping) throw new PipelineStoppedException();
                if ((DateTime.UtcNow - last).TotalMilliseconds < 200) return;
                last = DateTime.UtcNow;
                progress.StatusDescription = $"{p.Stage}: iteration {p.Iteration}, objective {p.Objective:G6}, {p.Elapsed.TotalSeconds:F1} s";
                progress.PercentComplete = Math.Min(100, 100 * p.Iteration / Math.Max(1, p.MaxIterations));
                WriteProgress(progress);
            }, _cancel.Token, WriteVerbose);
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            WriteVerbose($"{Spectrum.Name}: {result}; {result.LinesFitted} lines fitted, {result.LinesChanged} changed; {result.Iterations} iterations " +
                         $"({result.Evaluations} evaluations) in {result.Seconds:F2} s; {result.StopReason}; barycentric correction: {result.BarycentricCorrectionSource}");
            if (result.DeviceFault is { } fault)
                WriteWarning($"{Spectrum.Name}: the GPU failed mid-fit ({fault}); the fit carried on and finished on the CPU");
            if (!result.Converged)
                WriteWarning(result.StoppedOnRequest
                    ? $"{Spectrum.Name}: the fit stopped at the time limit ({TimeLimit} s) before converging; the RV, v sin i and their uncertainties are those of an unconverged point (raise -TimeLimit)"
                    : $"{Spectrum.Name}: the fit stopped at the iteration limit ({o.MaxIterations}) before converging; the RV, v sin i and their uncertainties are those of an unconverged point (raise -MaxIterations)");
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

    private void ApplyPriorScale(TransferOptions o)
    {
        if (PriorScale is null) return;
        foreach (DictionaryEntry e in PriorScale)
        {
            double v = Convert.ToDouble(e.Value, System.Globalization.CultureInfo.InvariantCulture);
            if (!(v > 0)) throw new ArgumentException($"-PriorScale {e.Key} must be positive (got {e.Value})");
            switch (e.Key?.ToString()?.ToLowerInvariant())
            {
                case "center": case "centerangstrom": o.CenterScaleAngstrom = v; break;
                case "lnamplitude": o.LnAmplitudeScale = v; break;
                case "lnsigma": o.LnSigmaScale = v; break;
                case "lngamma": o.LnGammaScale = v; break;
                default: throw new ArgumentException($"-PriorScale has no key '{e.Key}' (use Center, LnAmplitude, LnSigma, LnGamma)");
            }
        }
    }

    protected override void StopProcessing()
    {
        _stopping = true;
        _cancel?.Cancel();
    }
}
