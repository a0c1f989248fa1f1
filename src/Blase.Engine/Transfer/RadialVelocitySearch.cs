namespace Blase.Engine.Transfer;

/// <summary>
/// The starting RV: χ² of the frozen template (continuum solved at each trial) over a velocity ladder spanning
/// ±reach at a third of the instrument's FWHM, then a parabola through the best rung and its neighbours, refined once on a
/// ladder five times finer. A gradient fit started far from the answer would lock onto a neighbouring line; this cannot.
/// </summary>
internal static class RadialVelocitySearch
{
    public static double Find(OrderModel[] orders, BulkParameters start, double centerKms, double reachKms, double resolvingPower, CancellationToken cancel)
    {
        double step = Math.Max(0.2, DopplerShift.SpeedOfLightKms / resolvingPower / 3);
        double best = Scan(orders, start, centerKms - reachKms, centerKms + reachKms, step, cancel);
        return Scan(orders, start, best - 2 * step, best + 2 * step, step / 5, cancel);
    }

    private static double Scan(OrderModel[] orders, BulkParameters start, double from, double to, double step, CancellationToken cancel)
    {
        int n = (int)Math.Round((to - from) / step) + 1;
        var chi = new double[n];
        var bulk = start.Copy();
        for (int i = 0; i < n; i++)
        {
            cancel.ThrowIfCancellationRequested();
            bulk.RadialVelocity = from + i * step;
            chi[i] = orders.Sum(m => m.Evaluate(bulk, solveContinuum: true, tellChanged: false));
            if (!double.IsFinite(chi[i])) chi[i] = double.PositiveInfinity;
        }
        int k = Array.IndexOf(chi, chi.Min());
        double v = from + k * step;
        if (k > 0 && k < n - 1)
        {
            double den = chi[k - 1] - 2 * chi[k] + chi[k + 1];
            if (den > 0) v += 0.5 * step * (chi[k - 1] - chi[k + 1]) / den;
        }
        return v;
    }
}
