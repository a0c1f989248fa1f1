namespace Blase.Engine.Transfer;

/// <summary>
/// The relativistic Doppler factor D = √((1 + β)/(1 − β)), β = v/c, with λ_obs = D·λ_rest (v > 0 recedes).
/// Shifting a line model by D is exact when every line is stretched with the spectrum: λc → D·λc and σ, γ, a → D·(σ, γ, a)
/// (a is an area in Å), because then a′V′(λ) = a·V(λ/D − λc), i.e. S_obs(λ) = S_rest(λ/D).
/// </summary>
public static class DopplerShift
{
    /// <summary>Speed of light in km/s.</summary>
    public const double SpeedOfLightKms = 299_792.458;

    public static double Factor(double velocityKms)
    {
        double b = velocityKms / SpeedOfLightKms;
        return Math.Sqrt((1 + b) / (1 - b));
    }

    /// <summary>ln D.</summary>
    public static double LnFactor(double velocityKms)
    {
        double b = velocityKms / SpeedOfLightKms;
        return 0.5 * Math.Log((1 + b) / (1 - b));
    }

    /// <summary>d ln D / dv = 1/(c (1 − β²)), per km/s.</summary>
    public static double LnFactorDerivative(double velocityKms)
    {
        double b = velocityKms / SpeedOfLightKms;
        return 1 / (SpeedOfLightKms * (1 - b * b));
    }

    /// <summary>The velocity whose factor is D (inverse of <see cref="Factor"/>).</summary>
    public static double Velocity(double factor)
    {
        double d2 = factor * factor;
        return SpeedOfLightKms * (d2 - 1) / (d2 + 1);
    }

    /// <summary>Relativistic addition of two velocities (km/s): u ⊕ v = (u + v)/(1 + uv/c²).</summary>
    public static double Add(double u, double v) => (u + v) / (1 + u * v / (SpeedOfLightKms * SpeedOfLightKms));
}
