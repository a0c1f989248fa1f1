namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// Leave-one-out checks of an emulator on its own grid: train on every grid spectrum but one, predict the one left out, and
/// compare. The error of a prediction is the RMS over pixels of the fractional difference (F_pred − F_true)/F_true; the
/// emulator's own claim is the RMS over pixels of σ_pred/F_true, so the two are on one scale. The baseline is the average
/// of the two grid neighbours along the first label (Teff), which any interpolator should beat.
/// </summary>
public static class EmulatorValidation
{
    /// <summary>One held-out grid point: labels, the emulator's error and its claimed σ (percent), and the baseline's error.</summary>
    public sealed record LeaveOneOutCase(double[] Labels, double ErrorPercent, double SigmaPercent, double? NeighbourAverageErrorPercent,
        int Components, TimeSpan Training);

    public static LeaveOneOutCase LeaveOneOut(EmulatorGrid grid, int index, PcaGpOptions? options = null)
    {
        var emulator = PcaGpEmulator.Train(grid.Without(index), options);
        var truth = grid.Fluxes[index];
        var p = emulator.Predict(grid.Labels[index]);
        var neighbour = NeighbourAverage(grid, index);
        return new LeaveOneOutCase(grid.Labels[index], 100 * FractionalRms(p.Flux, truth),
            100 * Math.Sqrt(p.Sigma.Select((s, j) => s / truth[j]).Average(r => r * r)),
            neighbour is null ? null : 100 * FractionalRms(neighbour, truth), emulator.ComponentCount, emulator.Training!.Elapsed);
    }

    /// <summary>√(mean_j ((p_j − t_j)/t_j)²).</summary>
    public static double FractionalRms(IReadOnlyList<double> predicted, IReadOnlyList<double> truth)
    {
        if (predicted.Count != truth.Count) throw new ArgumentException("the two spectra differ in length");
        double s = 0;
        for (int j = 0; j < truth.Count; j++) { double r = (predicted[j] - truth[j]) / truth[j]; s += r * r; }
        return Math.Sqrt(s / truth.Count);
    }

    /// <summary>
    /// The mean of the two grid spectra beside point <paramref name="index"/> along label <paramref name="dimension"/>
    /// (the nearest lower and higher values with all other labels equal), or null at an edge of the grid.
    /// </summary>
    public static double[]? NeighbourAverage(EmulatorGrid grid, int index, int dimension = 0)
    {
        var x = grid.Labels[index];
        int lo = -1, hi = -1;
        for (int i = 0; i < grid.Count; i++)
        {
            var y = grid.Labels[i];
            bool same = true;
            for (int d = 0; d < x.Length; d++) if (d != dimension && y[d] != x[d]) { same = false; break; }
            if (!same) continue;
            if (y[dimension] < x[dimension] && (lo < 0 || y[dimension] > grid.Labels[lo][dimension])) lo = i;
            if (y[dimension] > x[dimension] && (hi < 0 || y[dimension] < grid.Labels[hi][dimension])) hi = i;
        }
        if (lo < 0 || hi < 0) return null;
        return grid.Fluxes[lo].Select((f, j) => 0.5 * (f + grid.Fluxes[hi][j])).ToArray();
    }

    /// <summary>
    /// The six cases of the Starfish comparison on PHOENIX_IGRINS_m075 (issue 8): Teff 3700/3900/4100 × logg 3.5/4.0 at
    /// [Fe/H] 0 — the indices of those grid points.
    /// </summary>
    public static int[] IgrinsBenchmarkCases(EmulatorGrid grid)
    {
        var cases = new List<int>();
        foreach (var t in new[] { 3700.0, 3900.0, 4100.0 })
            foreach (var g in new[] { 3.5, 4.0 })
            {
                int i = grid.IndexOf(new[] { t, g, 0.0 });
                if (i < 0) throw new BlaseDataException($"the grid has no point at Teff {t}, logg {g}, [Fe/H] 0 (is it PHOENIX_IGRINS_m075?)", grid.SourcePath);
                cases.Add(i);
            }
        return cases.ToArray();
    }
}
