namespace Blase.Engine.Transfer;

/// <summary>Which parameter groups a transfer fits; the rest stay at their starting values.</summary>
[Flags]
public enum TransferParameters
{
    None = 0,
    /// <summary>Every star line's ln a (pulled toward the clone by the prior).</summary>
    Amplitudes = 1,
    RadialVelocity = 2,
    Vsini = 4,
    /// <summary>The instrument's resolving power R.</summary>
    Resolution = 8,
    /// <summary>Each order's Chebyshev continuum (solved exactly at every step).</summary>
    Continuum = 16,
    /// <summary>Every star line's centre λc (beyond the common RV shift).</summary>
    Centers = 32,
    /// <summary>The telluric model's lines (ln a, ln σ, ln γ).</summary>
    Telluric = 64,
    /// <summary>Every star line's ln σ and ln γ (pulled toward the clone by the prior).</summary>
    Widths = 128,
    /// <summary>Amplitudes and widths.</summary>
    Lines = Amplitudes | Widths,
    Default = Lines | RadialVelocity | Vsini | Continuum,
}

public enum PriorKind
{
    /// <summary>½ Σ ((θ − θ₀)/s)²: Gaussian pull toward the clone.</summary>
    L2,
    /// <summary>Σ |θ − θ₀|/s, smoothed within s/10 of the clone (√(d² + ε²) − ε): lets a few lines move far, keeps the rest.</summary>
    L1,
}

public enum TransferOptimizer
{
    /// <summary>Levenberg–Marquardt with the banded Gauss–Newton matrix through every stage (the default: fastest in wall-clock time).</summary>
    LevenbergMarquardt,
    /// <summary>Limited-memory BFGS on whitened parameters, preconditioned by per-line curvature.</summary>
    Lbfgs,
    /// <summary>Adam, as blasé trains.</summary>
    Adam,
}

/// <summary>Everything a transfer can be asked to do differently; the defaults live here and nowhere else.</summary>
public sealed class TransferOptions
{
    public TransferParameters Free { get; set; } = TransferParameters.Default;
    public PriorKind Prior { get; set; } = PriorKind.L2;
    /// <summary>Prior scales: how far a line may move from its cloned value at one unit of penalty.</summary>
    public double CenterScaleAngstrom { get; set; } = 0.01;
    public double LnAmplitudeScale { get; set; } = 0.3;
    public double LnSigmaScale { get; set; } = 0.2;
    public double LnGammaScale { get; set; } = 0.2;
    /// <summary>Multiplies the whole prior (0 = none). When <see cref="CrossValidate"/> is set, the best of a ladder is chosen by held-out pixels.</summary>
    public double PriorStrength { get; set; } = 1;
    /// <summary>Choose the prior strength by k-fold cross-validation over pixel blocks.</summary>
    public bool CrossValidate { get; set; }
    public int CrossValidationFolds { get; set; } = 4;
    public double[] PriorStrengthLadder { get; set; } = { 0.01, 0.1, 1, 10, 100 };

    public double ResolvingPower { get; set; } = 55_000;
    /// <summary>Linear change of R across an order: R(x) = R·(1 + slope·x), x ∈ [−1, 1].</summary>
    public double ResolvingPowerSlope { get; set; }
    /// <summary>Starting RV (km/s); when null, a cross-correlation over ±<see cref="RadialVelocitySearchKms"/> finds it.</summary>
    public double? RadialVelocity { get; set; }
    public double RadialVelocitySearchKms { get; set; } = 300;
    /// <summary>Starting v sin i (km/s).</summary>
    public double Vsini { get; set; } = 2;
    /// <summary>Largest v sin i the fine grid has room for (km/s).</summary>
    public double VsiniMax { get; set; } = 100;
    /// <summary>Linear limb-darkening coefficient ε of the rotation kernel.</summary>
    public double LimbDarkening { get; set; } = 0.6;
    public int ContinuumDegree { get; set; } = 3;
    /// <summary>Drop the pixels where the telluric model absorbs more than this (0.02 = 2 %) within one instrumental FWHM
    /// (<see cref="TelluricMask"/>); null keeps every pixel and fits the tellurics there.</summary>
    public double? TelluricMaskDepth { get; set; }
    /// <summary>Telluric lines with an FWHM above this many resolution elements (λ/R) stay at their cloned values: no molecular
    /// line of Earth's atmosphere is that wide, so they are a clone's pseudo-lines for the transmission's broad depressions,
    /// which trade with the continuum and run away when freed (<see cref="TransferObjective.HoldsTelluric"/>).</summary>
    public double TelluricMaxFreeFwhm { get; set; } = 6;
    /// <summary>Barycentric correction (km/s) to add to the fitted RV; when null, the spectrum's header value (if any). 0 = none.</summary>
    public double? BarycentricCorrectionKms { get; set; }
    /// <summary>Fine-grid step (km/s); when null, chosen from the lines' widths and R (<see cref="FineGrid.ChooseStep"/>).</summary>
    public double? FineStepKms { get; set; }

    public TransferOptimizer Optimizer { get; set; } = TransferOptimizer.LevenbergMarquardt;
    public int MaxIterations { get; set; } = 200;
    /// <summary>Stop when the objective improves by less than this fraction over <see cref="Patience"/> iterations.</summary>
    public double Tolerance { get; set; } = 1e-3;
    public int Patience { get; set; } = 3;
    public double AdamLearningRate { get; set; } = 0.05;
    public int? Threads { get; set; }
    /// <summary>Save the joint fit's state there every so many iterations, and resume from it (<see cref="Fitting.CheckpointOptions"/>); none by default.</summary>
    public Fitting.CheckpointOptions? Checkpoint { get; set; }
    /// <summary>Auto takes a CUDA GPU for the forward model and its adjoint when one works, else the CPU.</summary>
    public Compute.DeviceKind Device { get; set; } = Compute.DeviceKind.Cpu;
    /// <summary>The device memory the orders may take together, in bytes (null: 90 % of the GPU's); orders beyond it run on the CPU.</summary>
    public long? DeviceMemoryBytes { get; set; }
    /// <summary>Run the device path on ILGPU's CPU simulator (tests only: orders of magnitude slower).</summary>
    internal bool SimulateDevice { get; set; }
    /// <summary>A test hook: faults injected into the device's kernel launches (with <see cref="SimulateDevice"/>).</summary>
    internal Compute.DeviceFaultInjector? DeviceFaults { get; set; }

    public TransferOptions Copy() => (TransferOptions)MemberwiseClone();
}
