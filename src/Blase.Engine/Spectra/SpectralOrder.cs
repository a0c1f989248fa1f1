namespace Blase.Engine.Spectra;

/// <summary>
/// One contiguous stretch of spectrum (an échelle order, or the whole of a 1-D spectrum): strictly increasing
/// wavelengths, flux, optional 1σ uncertainty and a mask (true = pixel is used).
/// Pixels whose flux or uncertainty is not finite, or whose uncertainty is not positive, are masked on construction.
/// </summary>
public sealed class SpectralOrder
{
    public SpectralOrder(int number, double[] wavelength, double[] flux, double[]? uncertainty = null, bool[]? mask = null)
    {
        ArgumentNullException.ThrowIfNull(wavelength);
        ArgumentNullException.ThrowIfNull(flux);
        int n = wavelength.Length;
        if (n == 0) throw new BlaseDataException($"order {number} has no pixels");
        if (flux.Length != n) throw new BlaseDataException($"order {number}: {n} wavelengths but {flux.Length} flux values");
        if (uncertainty is not null && uncertainty.Length != n)
            throw new BlaseDataException($"order {number}: {n} wavelengths but {uncertainty.Length} uncertainties");
        if (mask is not null && mask.Length != n)
            throw new BlaseDataException($"order {number}: {n} wavelengths but {mask.Length} mask values");
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(wavelength[i]))
                throw new BlaseDataException($"order {number}: wavelength at pixel {i} is {wavelength[i]}");
            if (i > 0 && !(wavelength[i] > wavelength[i - 1]))
                throw new BlaseDataException(wavelength[i] == wavelength[i - 1]
                    ? $"order {number}: duplicate wavelength {wavelength[i]} at pixels {i - 1} and {i}"
                    : $"order {number}: wavelengths are not increasing at pixel {i} ({wavelength[i - 1]} then {wavelength[i]})");
        }

        Number = number;
        Wavelength = wavelength;
        Flux = flux;
        Uncertainty = uncertainty;
        var m = mask is null ? new bool[n] : (bool[])mask.Clone();
        if (mask is null) Array.Fill(m, true);
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(flux[i])) m[i] = false;
            if (uncertainty is not null && !(double.IsFinite(uncertainty[i]) && uncertainty[i] > 0)) m[i] = false;
        }
        Mask = m;
    }

    /// <summary>The order's number in its file (0-based row of the échelle image).</summary>
    public int Number { get; }
    public double[] Wavelength { get; }
    public double[] Flux { get; }
    public double[]? Uncertainty { get; }
    public bool[] Mask { get; }

    public int PixelCount => Wavelength.Length;
    public int GoodPixelCount => Mask.Count(m => m);
    public double MinWavelength => Wavelength[0];
    public double MaxWavelength => Wavelength[^1];

    /// <summary>
    /// Builds an order from arrays that may run from red to blue (as some pipelines write them):
    /// a strictly decreasing axis is reversed with its flux; anything else goes to the checks of the constructor.
    /// </summary>
    public static SpectralOrder FromArrays(int number, double[] wavelength, double[] flux, double[]? uncertainty = null, bool[]? mask = null)
    {
        if (wavelength.Length > 1 && wavelength[0] > wavelength[^1] && IsStrictlyDecreasing(wavelength))
        {
            wavelength = Enumerable.Reverse(wavelength).ToArray();
            flux = Enumerable.Reverse(flux).ToArray();
            uncertainty = uncertainty is null ? null : Enumerable.Reverse(uncertainty).ToArray();
            mask = mask is null ? null : Enumerable.Reverse(mask).ToArray();
        }
        return new SpectralOrder(number, wavelength, flux, uncertainty, mask);
    }

    private static bool IsStrictlyDecreasing(double[] x)
    {
        for (int i = 1; i < x.Length; i++) if (!(x[i] < x[i - 1])) return false;
        return true;
    }

    /// <summary>The pixels with min ≤ λ ≤ max, or null when none are.</summary>
    public SpectralOrder? Crop(double min, double max)
    {
        int lo = LowerBound(Wavelength, min);
        int hi = LowerBound(Wavelength, max);
        while (hi < Wavelength.Length && Wavelength[hi] <= max) hi++;
        if (hi <= lo) return null;
        return Slice(lo, hi - lo);
    }

    public SpectralOrder Slice(int start, int length) => new(
        Number,
        Wavelength.AsSpan(start, length).ToArray(),
        Flux.AsSpan(start, length).ToArray(),
        Uncertainty?.AsSpan(start, length).ToArray(),
        Mask.AsSpan(start, length).ToArray());

    /// <summary>The same pixels with a new wavelength axis (same length, still increasing).</summary>
    public SpectralOrder WithWavelength(double[] wavelength) => new(Number, wavelength, Flux, Uncertainty, Mask);

    /// <summary>Flux and uncertainty multiplied by a factor per pixel.</summary>
    public SpectralOrder Scaled(Func<int, double> factor)
    {
        var f = new double[PixelCount];
        var u = Uncertainty is null ? null : new double[PixelCount];
        for (int i = 0; i < f.Length; i++)
        {
            double k = factor(i);
            f[i] = Flux[i] * k;
            if (u is not null) u[i] = Uncertainty![i] * Math.Abs(k);
        }
        return new SpectralOrder(Number, Wavelength, f, u, Mask);
    }

    /// <summary>First index i with x[i] ≥ value.</summary>
    internal static int LowerBound(double[] x, double value)
    {
        int lo = 0, hi = x.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (x[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public override string ToString() =>
        PixelCount == 0 ? $"order {Number}: empty" : $"order {Number}: {Wavelength[0]:G7}–{Wavelength[^1]:G7}, {PixelCount} px ({GoodPixelCount} good)";
}
