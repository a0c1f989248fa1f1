using Blase.Engine.Lines;

namespace Blase.Engine.Transfer;

/// <summary>
/// Chooses the prior strength α from the data: k-fold cross-validation with the pixels dealt into folds in turn (pixel i in
/// fold i mod k), so every line keeps data in every fit and the held-out pixels carry independent noise. For each α of the
/// ladder and each fold, the transfer is fitted without the fold's pixels and scored by χ² on them (continuum kept from the
/// fit); the α with the least held-out χ² summed over folds wins. α → 0 fits the noise (held-out χ² rises); α → ∞ keeps the
/// template where the star differs from it. (Contiguous blocks were tried first: a line wholly in a held-out block is then
/// predicted by the prior alone, which favours strong priors even for a star whose lines all differ from the template.)
/// </summary>
internal static class CrossValidation
{
    public static (double Alpha, string How) Choose(OrderModel[] models, LineModel star, LineModel star0, LineModel? tell, LineModel? tell0,
        BulkParameters bulk, TransferOptions o, CancellationToken cancel, Action<int, double> progress)
    {
        var saved = Snapshot(star, tell, bulk);
        var weights = models.Select(m => (double[])m.Weight.Clone()).ToArray();
        int k = Math.Max(2, o.CrossValidationFolds);
        var scores = new List<(double Alpha, double Score)>();
        try
        {
            foreach (double alpha in o.PriorStrengthLadder)
            {
                double score = 0;
                for (int fold = 0; fold < k; fold++)
                {
                    Restore(saved, star, tell, bulk);
                    for (int q = 0; q < models.Length; q++)
                        for (int i = 0; i < weights[q].Length; i++) models[q].Weight[i] = i % k == fold ? 0 : weights[q][i];
                    var obj = new TransferObjective(models, star, star0, tell, tell0, bulk, o.Free, o, alpha);
                    var r = Transfer.Minimize(obj, obj.Current(), o, progress, cancel);
                    obj.Apply(r.X);
                    for (int q = 0; q < models.Length; q++) Array.Copy(weights[q], models[q].Weight, weights[q].Length);
                    foreach (var m in models)
                    {
                        m.Evaluate(bulk, solveContinuum: false, tellChanged: true);
                        for (int i = 0; i < m.Model.Length; i++)
                            if (i % k == fold && m.Weight[i] > 0) { double res = m.Model[i] - m.Order.Flux[i]; score += m.Weight[i] * res * res; }
                    }
                }
                scores.Add((alpha, score));
            }
        }
        finally
        {
            for (int q = 0; q < models.Length; q++) Array.Copy(weights[q], models[q].Weight, weights[q].Length);
            Restore(saved, star, tell, bulk);
        }
        var best = scores.MinBy(s => s.Score);
        return (best.Alpha, $"{k}-fold cross-validation over interleaved pixels (held-out χ²: {string.Join(", ", scores.Select(s => $"α={s.Alpha:G3}: {s.Score:F1}"))})");
    }

    private static (double[][] Star, double[][]? Tell, BulkParameters Bulk) Snapshot(LineModel star, LineModel? tell, BulkParameters bulk) =>
        (Arrays(star), tell is null ? null : Arrays(tell), bulk.Copy());

    private static double[][] Arrays(LineModel m) =>
        new[] { (double[])m.Center.Clone(), (double[])m.LnAmplitude.Clone(), (double[])m.LnSigma.Clone(), (double[])m.LnGamma.Clone() };

    private static void Restore((double[][] Star, double[][]? Tell, BulkParameters Bulk) s, LineModel star, LineModel? tell, BulkParameters bulk)
    {
        Copy(s.Star, star);
        if (tell is not null && s.Tell is not null) Copy(s.Tell, tell);
        bulk.RadialVelocity = s.Bulk.RadialVelocity; bulk.VsiniParameter = s.Bulk.VsiniParameter; bulk.LnResolvingPower = s.Bulk.LnResolvingPower;
    }

    private static void Copy(double[][] a, LineModel m)
    {
        Array.Copy(a[0], m.Center, a[0].Length); Array.Copy(a[1], m.LnAmplitude, a[1].Length);
        Array.Copy(a[2], m.LnSigma, a[2].Length); Array.Copy(a[3], m.LnGamma, a[3].Length);
    }
}
