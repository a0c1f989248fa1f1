namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// The emulator likelihood of Habib et al. (2007; Czekala et al. 2015, §2.4 and appendix) in the form it takes when the
/// eigenspectra are orthonormal (ΦΦᵀ = I). With Z = WΦ + E, E ~ N(0, I/λ_ξ) per whitened pixel, and each component's
/// weights w_k ~ GP(0, K_k), the maximum-likelihood weights ŵ = ZΦᵀ satisfy ŵ_k ~ N(0, K_k + I/λ_ξ) independently for each k
/// (the block-diagonal Starfish's <c>v11</c> reduces to), and the part of Z outside the span of Φ contributes
/// λ_ξ^{N(M−K)/2} exp(−λ_ξ RSS/2). So, with ν = 1/λ_ξ,
/// ln L = Σ_k ln N(ŵ_k | 0, K_k + νI) − ½ N(M−K) ln ν − RSS/(2ν) + const,
/// a sum of independent GP likelihoods coupled only through ν. The residual term pins ν to the PCA truncation error per
/// whitened pixel (the noise a prediction inherits from the components left out); <see cref="IncludeResidual"/> = false
/// drops it (Starfish 0.4's form, where ν is then learned from the weights alone).
/// Parameters, all logarithms: θ = (ln ν, then for each component k: ln a_k, ln ℓ_k1 … ln ℓ_kD).
/// </summary>
public sealed class HabibLikelihood
{
    private readonly double[][] _x;
    private readonly double[][] _y; // [component][point]
    private readonly int _pixelsOutside;
    private readonly double _rss;

    public HabibLikelihood(double[][] labels, double[][] weightsByComponent, int pixelCount, double residualSumOfSquares, bool includeResidual = true)
    {
        _x = labels; _y = weightsByComponent;
        Components = weightsByComponent.Length;
        Dimensions = labels[0].Length;
        _pixelsOutside = pixelCount - Components;
        _rss = residualSumOfSquares;
        IncludeResidual = includeResidual && _pixelsOutside > 0;
    }

    public int Components { get; }
    public int Dimensions { get; }
    public bool IncludeResidual { get; }
    public int ParameterCount => 1 + Components * (Dimensions + 1);

    private double[][]? _work;
    private double[]? _values, _grads, _theta;

    /// <summary>
    /// A floor under each length scale, per label (null: none). Below it ln L is lowered by ½((ln ℓ − ln ℓ_min)/0.1)²: a length
    /// scale far below the grid spacing already makes grid points independent along that label, and letting it run on to 0
    /// (which the likelihood is indifferent to) would only end in 0/0. The emulator sets it to half the finest grid step.
    /// </summary>
    public double[]? MinLengthScales { get; init; }

    /// <summary>How many threads evaluate the components (the GPs are independent).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// ln L at θ, with ∂ln L/∂θ written to <paramref name="gradient"/>; −∞ where a covariance is not positive definite.
    /// Not safe to call from two threads at once (each component keeps its own work space between calls).
    /// </summary>
    public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        int n = _x.Length, p = Dimensions + 1, kCount = Components;
        if (_work is null)
        {
            _work = Enumerable.Range(0, kCount).Select(_ => new double[4 * n * n + n]).ToArray();
            _values = new double[kCount];
            _grads = new double[kCount * (p + 1)];
            _theta = new double[theta.Length];
        }
        theta.CopyTo(_theta);
        var th = _theta!; var values = _values!; var grads = _grads!; var work = _work;
        double lnNu = th[0];
        void One(int k) =>
            values[k] = SquaredExponentialGp.LogLikelihood(_x, _y[k], th[1 + k * p], th.AsSpan(2 + k * p, Dimensions), lnNu,
                grads.AsSpan(k * (p + 1), p + 1), work[k]);
        if (Threads > 1 && kCount > 1)
            Parallel.For(0, kCount, new ParallelOptions { MaxDegreeOfParallelism = Threads }, One);
        else
            for (int k = 0; k < kCount; k++) One(k);
        double total = 0;
        gradient.Clear();
        for (int k = 0; k < kCount; k++)
        {
            total += values[k];
            for (int q = 0; q < p; q++) gradient[1 + k * p + q] = grads[k * (p + 1) + q];
            gradient[0] += grads[k * (p + 1) + p];
        }
        if (MinLengthScales is { } floor)
        {
            for (int k = 0; k < kCount; k++)
                for (int d = 0; d < Dimensions; d++)
                {
                    double below = th[2 + k * p + d] - Math.Log(floor[d]);
                    if (below >= 0) continue;
                    total -= 0.5 * below * below / 0.01;
                    gradient[2 + k * p + d] -= below / 0.01;
                }
        }
        if (IncludeResidual)
        {
            double nu = Math.Exp(lnNu), count = (double)n * _pixelsOutside;
            total += -0.5 * count * lnNu - 0.5 * _rss / nu;
            gradient[0] += -0.5 * count + 0.5 * _rss / nu;
        }
        return double.IsNaN(total) ? double.NegativeInfinity : total;
    }
}
