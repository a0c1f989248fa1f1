namespace Blase.Engine.Fitting;

/// <summary>
/// A symmetric positive-definite system whose main block is sparse near its diagonal (parameters that couple only to their
/// neighbours: lines sorted by wavelength) with a dense border (parameters that couple to everything: RV, v sin i, R,
/// continua): [A B; Bᵀ D][x; y] = [f; h]. A is stored by its envelope (row i from its first nonzero column f_i to the
/// diagonal), which Cholesky fills no further (George &amp; Liu, Computer Solution of Large Sparse Positive Definite Systems,
/// ch. 4), so the work is Σ_i (i − f_i)², not n·(widest row)². The border is solved through its Schur complement
/// S = D − BᵀA⁻¹B, whose inverse is the border's covariance with the main block's parameters marginalized.
/// </summary>
public sealed class BorderedEnvelopeSystem
{
    private readonly int[] _first;
    private readonly double[][] _rows; // _rows[i][j − _first[i]] = A[i, j], j ≤ i

    /// <param name="first">For each row of A, its first nonzero column (≤ the row).</param>
    /// <param name="border">The number of border parameters.</param>
    public BorderedEnvelopeSystem(int[] first, int border)
    {
        N = first.Length; M = border;
        _first = first;
        _rows = first.Select((f, i) => new double[i - f + 1]).ToArray();
        Border = new double[N * border];
        Corner = new double[border * border];
    }

    public int N { get; }
    public int M { get; }
    /// <summary>B[i, b] at Border[i·M + b].</summary>
    public double[] Border { get; }
    /// <summary>D[a, b] at Corner[a·M + b].</summary>
    public double[] Corner { get; }

    /// <summary>A[i, j] += v (either triangle; j must lie in the envelope).</summary>
    public void Add(int i, int j, double v)
    {
        if (i < j) (i, j) = (j, i);
        _rows[i][j - _first[i]] += v;
    }

    /// <summary>Factors the system with the diagonal scaled by (1 + λ) (Levenberg–Marquardt damping); null when it is not
    /// positive definite.</summary>
    public Factorization? Factor(double lambda)
    {
        var l = _rows.Select(r => (double[])r.Clone()).ToArray();
        for (int i = 0; i < N; i++) l[i][i - _first[i]] = l[i][i - _first[i]] * (1 + lambda) + 1e-12;
        for (int i = 0; i < N; i++)
        {
            int fi = _first[i];
            var li = l[i];
            for (int j = fi; j <= i; j++)
            {
                var lj = l[j];
                int fj = _first[j];
                double s = li[j - fi];
                for (int k = Math.Max(fi, fj); k < j; k++) s -= li[k - fi] * lj[k - fj];
                if (j == i)
                {
                    if (!(s > 0) || !double.IsFinite(s)) return null;
                    li[i - fi] = Math.Sqrt(s);
                }
                else li[j - fi] = s / lj[j - fj];
            }
        }
        var f = new Factorization(this, l);
        var aInvB = new double[M][];
        for (int b = 0; b < M; b++) aInvB[b] = f.SolveA(Enumerable.Range(0, N).Select(i => Border[i * M + b]).ToArray());
        var s2 = new double[M * M];
        for (int a = 0; a < M; a++)
            for (int b = 0; b < M; b++)
            {
                double v = Corner[a * M + b] * (a == b ? 1 + lambda : 1) + (a == b ? 1e-12 : 0);
                for (int i = 0; i < N; i++) v -= Border[i * M + a] * aInvB[b][i];
                s2[a * M + b] = v;
            }
        var inv = new double[M * M];
        for (int c = 0; c < M; c++)
        {
            var e = new double[M]; e[c] = 1;
            if (!DenseSolver.Solve((double[])s2.Clone(), e, M)) return null;
            for (int r = 0; r < M; r++) inv[r * M + c] = e[r];
        }
        f.Complete(aInvB, inv);
        return f;
    }

    /// <summary>Solves once: <see cref="Factor"/> then <see cref="Factorization.Solve"/>; null when not positive definite.</summary>
    public (double[] X, double[] Y)? Solve(double[] f, double[] h, double lambda) => Factor(lambda)?.Solve(f, h);

    /// <summary>The envelope Cholesky factor of A and the inverse Schur complement of the border: solves cost no further
    /// factoring.</summary>
    public sealed class Factorization
    {
        private readonly BorderedEnvelopeSystem _sys;
        private readonly double[][] _l;
        private double[][] _aInvB = Array.Empty<double[]>();

        internal Factorization(BorderedEnvelopeSystem sys, double[][] l) { _sys = sys; _l = l; }

        internal void Complete(double[][] aInvB, double[] borderInverse) { _aInvB = aInvB; BorderInverse = borderInverse; }

        /// <summary>S⁻¹ = (D − BᵀA⁻¹B)⁻¹, M×M row-major: the border's covariance with the main block marginalized.</summary>
        public double[] BorderInverse { get; private set; } = Array.Empty<double>();

        internal double[] SolveA(double[] rhs)
        {
            var first = _sys._first;
            var l = _l;
            var y = (double[])rhs.Clone();
            for (int i = 0; i < y.Length; i++)
            {
                double s = y[i];
                int fi = first[i];
                for (int k = fi; k < i; k++) s -= l[i][k - fi] * y[k];
                y[i] = s / l[i][i - fi];
            }
            for (int i = y.Length - 1; i >= 0; i--)
            {
                y[i] /= l[i][i - first[i]];
                double yi = y[i];
                int fi = first[i];
                for (int k = fi; k < i; k++) y[k] -= l[i][k - fi] * yi;
            }
            return y;
        }

        /// <summary>[A B; Bᵀ D][x; y] = [f; h] (with the damping the factor was made with).</summary>
        public (double[] X, double[] Y) Solve(double[] f, double[] h)
        {
            int n = _sys.N, m = _sys.M;
            var border = _sys.Border;
            var x = SolveA(f);
            var rhs2 = new double[m];
            for (int a = 0; a < m; a++)
            {
                double r = h[a];
                for (int i = 0; i < n; i++) r -= border[i * m + a] * x[i];
                rhs2[a] = r;
            }
            var y = new double[m];
            for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) y[a] += BorderInverse[a * m + b] * rhs2[b];
            for (int b = 0; b < m; b++) for (int i = 0; i < n; i++) x[i] -= _aInvB[b][i] * y[b];
            return (x, y);
        }
    }
}
