namespace Blase.Engine.Spectra;

/// <summary>
/// Air ↔ vacuum wavelength conversion with the IAU standard refractive index of dry air at 15 °C, 101 325 Pa
/// (Edlén 1966 as revised by Birch &amp; Downs 1994, in the form of Morton 2000, ApJS 130, 403, eq. 8):
/// n − 1 = 8.34254e-5 + 2.406147e-2 / (130 − s²) + 1.5998e-4 / (38.9 − s²), with s = 10⁴ / λ_vac[Å] (µm⁻¹).
/// λ_air = λ_vac / n(λ_vac). The inverse is solved by fixed-point iteration on the same formula, so a round trip
/// returns the input to ~1e-12 relative (a closed-form inverse would only agree to ~1e-8).
/// </summary>
public static class AirVacuum
{
    /// <summary>The refractive index of standard air at vacuum wavelength λ (Å).</summary>
    public static double RefractiveIndex(double vacuumAngstrom)
    {
        double s2 = 1e8 / (vacuumAngstrom * vacuumAngstrom);
        return 1.0 + 8.34254e-5 + 2.406147e-2 / (130.0 - s2) + 1.5998e-4 / (38.9 - s2);
    }

    public static double VacuumToAir(double vacuumAngstrom) => vacuumAngstrom / RefractiveIndex(vacuumAngstrom);

    public static double AirToVacuum(double airAngstrom)
    {
        double vac = airAngstrom;
        for (int i = 0; i < 8; i++)
        {
            double next = airAngstrom * RefractiveIndex(vac);
            if (Math.Abs(next - vac) < 1e-13 * airAngstrom) return next;
            vac = next;
        }
        return vac;
    }
}
