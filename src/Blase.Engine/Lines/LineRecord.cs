namespace Blase.Engine.Lines;

/// <summary>
/// One line as a flat record (numbers and strings only), for tables, Where-Object filters, CSV and Excel.
/// Depth is the line's own absorption at its centre, 1 − S(λc) for the line alone; EquivalentWidth is ∫(1 − S) dλ for the
/// line alone (= a in linear mode, since V has unit area); FwhmAngstrom is the pseudo-Voigt width f. Model is the name of
/// the line model the line belongs to, so records of several models stay apart in one table.
/// </summary>
public sealed record LineRecord(
    string Model,
    int Index,
    double CenterAngstrom,
    double Amplitude,
    double SigmaAngstrom,
    double GammaAngstrom,
    double FwhmAngstrom,
    double Depth,
    double EquivalentWidthAngstrom,
    double LnAmplitude,
    double LnSigma,
    double LnGamma,
    string Profile)
{
    public static IEnumerable<LineRecord> From(LineModel m)
    {
        for (int j = 0; j < m.Count; j++)
        {
            var s = m.Shape(j);
            double a = Math.Exp(m.LnAmplitude[j]);
            double peak = a * s.Value(0);
            double depth = m.Mode == CombinationMode.Linear ? Math.Min(peak, LineKernels.MaxAbsorption) : 1 - Math.Exp(-peak);
            double ew = m.Mode == CombinationMode.Linear ? a : LogModeEquivalentWidth(s, a);
            yield return new LineRecord(m.Name ?? "", j, m.Center[j], a, s.Sigma, s.Gamma, s.Fwhm, depth, ew, m.LnAmplitude[j], m.LnSigma[j], m.LnGamma[j], m.Profile.ToString());
        }
    }

    // ∫ (1 − exp(−a·V)) dΔ over the line's window (trapezoid on 4001 points), plus the weak-wing tail a·(1 − ∫window V).
    private static double LogModeEquivalentWidth(LineShape s, double a)
    {
        double hw = Math.Max(s.HalfWidth(a, 1e-7), 10 * Math.Max(s.Se, s.Ge));
        int n = 4000;
        double step = 2 * hw / n, sum = 0, area = 0;
        for (int i = 0; i <= n; i++)
        {
            double d = -hw + i * step, w = i == 0 || i == n ? 0.5 : 1;
            double v = s.Value(d);
            sum += w * (1 - Math.Exp(-a * v)) * step;
            area += w * v * step;
        }
        return sum + a * Math.Max(0, 1 - area);
    }
}
