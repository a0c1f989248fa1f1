namespace Blase.Engine.Emulators.Starfish;

/// <summary>How a PCA + GP emulator is built; the defaults are the ones DESIGN §3 fixes.</summary>
public sealed class PcaGpOptions
{
    /// <summary>Keep the fewest principal components whose explained variance reaches this fraction (default 0.999; Starfish's
    /// 0.99 keeps 5 components of the IGRINS test grid and leave-one-out errors of 0.194 %, mostly truncation; 0.999 keeps 9 and
    /// 0.110 %, better than averaging neighbouring grid spectra (0.147 %), for 0.1 s of training: bench `emulator`).</summary>
    public double ExplainedVariance { get; set; } = 0.999;

    /// <summary>Keep exactly this many components instead (overrides <see cref="ExplainedVariance"/>).</summary>
    public int? Components { get; set; }

    /// <summary>
    /// Include Habib's residual term (the whitened pixels the components leave out) in the likelihood, which pins the noise
    /// 1/λ_ξ to the PCA truncation error. False (default) gives Starfish's likelihood, where λ_ξ is learned from the weights
    /// alone: it lets each GP smooth over the grid's small non-smooth scatter, and on PHOENIX_IGRINS_m075 predicts held-out
    /// spectra better (leave-one-out 0.104 % against 0.127 % with 12 components); the truncation error then enters the flux
    /// covariance through the per-pixel residual variance of the grid instead.
    /// </summary>
    public bool IncludeResidual { get; set; }

    /// <summary>L-BFGS iteration limit for the hyperparameters.</summary>
    public int MaxIterations { get; set; } = 400;

    /// <summary>Stop when the largest gradient component of ln L per grid point and component falls below this.</summary>
    public double GradientTolerance { get; set; } = 1e-5;

    /// <summary>Threads for the per-component GPs; null = all cores.</summary>
    public int? Threads { get; set; }

    public PcaGpOptions Clone() => (PcaGpOptions)MemberwiseClone();
}
