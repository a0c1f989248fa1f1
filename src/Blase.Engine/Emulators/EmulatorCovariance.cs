namespace Blase.Engine.Emulators;

/// <summary>
/// A flux covariance over M pixels in the form Cov = diag(<see cref="Diagonal"/>) + Σ_f u_f u_fᵀ (the factors u_f, each of M
/// pixels): how a PCA + GP emulator's covariance comes (K weight components and the mean-flux factor), and a form whose inverse
/// and determinant are cheap by the Woodbury identity.
/// </summary>
public sealed record EmulatorCovariance(double[] Diagonal, double[][] Factors);
