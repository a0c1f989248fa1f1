using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using X86 = System.Runtime.Intrinsics.X86;

namespace Blase.Engine.Lines;

/// <summary>
/// exp and ln on four doubles at once, for the line kernels. Built only from IEEE operations (+, −, ×, ÷, fused
/// multiply–add, bit moves), so every lane gives the same bits on every machine and in every lane position: a CPU
/// without FMA hardware takes the correctly rounded <see cref="Math.FusedMultiplyAdd"/> per lane (slow, identical).
/// Both stay within a few ulp of <see cref="Math.Exp"/> and <see cref="Math.Log(double)"/> (a test holds them to 1e-14 relative).
/// </summary>
internal static class VectorMath
{
    /// <summary>1.5·2⁵²: adding it rounds a double below 2⁵¹ in magnitude to an integer held in the low mantissa bits.</summary>
    private const double Shifter = 6755399441055744.0;
    private const long ShifterBits = 0x4338000000000000;
    // ln 2 split so that k·Ln2Hi is exact for |k| < 2²¹ (fdlibm e_exp.c / e_log.c).
    private const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10;
    private const double Log2E = 1.4426950408889634;
    /// <summary>The bits of √2/2: mantissas are brought into [√2/2, √2) for the logarithm.</summary>
    private const long SqrtHalfBits = 0x3FE6A09E667F3BCD;

    /// <summary>a·b + c with one rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Fma(Vector256<double> a, Vector256<double> b, Vector256<double> c)
    {
        if (X86.Fma.IsSupported) return X86.Fma.MultiplyAdd(a, b, c);
        if (AdvSimd.Arm64.IsSupported)
            return Vector256.Create(AdvSimd.Arm64.FusedMultiplyAdd(c.GetLower(), a.GetLower(), b.GetLower()),
                                    AdvSimd.Arm64.FusedMultiplyAdd(c.GetUpper(), a.GetUpper(), b.GetUpper()));
        return Vector256.Create(Math.FusedMultiplyAdd(a[0], b[0], c[0]), Math.FusedMultiplyAdd(a[1], b[1], c[1]),
                                Math.FusedMultiplyAdd(a[2], b[2], c[2]), Math.FusedMultiplyAdd(a[3], b[3], c[3]));
    }

    /// <summary>
    /// e^x for −708 ≤ x ≤ 709 (below, the result is 0 or wrong: callers keep x in range): x = k ln 2 + r with
    /// |r| ≤ ln 2 / 2 (Cody–Waite), e^r by its Taylor series to r¹³ (truncation r¹⁴/14! &lt; 5e-18), times 2^k.
    /// </summary>
    public static Vector256<double> Exp(Vector256<double> x)
    {
        var shifted = Fma(x, Vector256.Create(Log2E), Vector256.Create(Shifter));
        var k = shifted - Vector256.Create(Shifter);
        var r = Fma(k, Vector256.Create(-Ln2Hi), x);
        r = Fma(k, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.Create(1.0 / 6227020800);                   // 1/13!
        p = Fma(p, r, Vector256.Create(1.0 / 479001600));             // 1/12!
        p = Fma(p, r, Vector256.Create(1.0 / 39916800));
        p = Fma(p, r, Vector256.Create(1.0 / 3628800));
        p = Fma(p, r, Vector256.Create(1.0 / 362880));
        p = Fma(p, r, Vector256.Create(1.0 / 40320));
        p = Fma(p, r, Vector256.Create(1.0 / 5040));
        p = Fma(p, r, Vector256.Create(1.0 / 720));
        p = Fma(p, r, Vector256.Create(1.0 / 120));
        p = Fma(p, r, Vector256.Create(1.0 / 24));
        p = Fma(p, r, Vector256.Create(1.0 / 6));
        p = Fma(p, r, Vector256.Create(0.5));
        p = Fma(p, r, Vector256<double>.One);
        p = Fma(p, r, Vector256<double>.One);
        // 2^k: k sits in the low bits of `shifted`; move it, biased, into the exponent field.
        var scale = Vector256.ShiftLeft(shifted.AsInt64() - Vector256.Create(ShifterBits - 1023), 52).AsDouble();
        return p * scale;
    }

    /// <summary>
    /// ln x for positive normal x, as fdlibm's e_log.c (error below 1 ulp): x = 2^k·m with m in [√2/2, √2),
    /// f = m − 1 (exact), s = f/(2 + f), ln(1 + f) = f − f²/2 + s(f²/2 + R(s²)) with fdlibm's minimax R.
    /// </summary>
    public static Vector256<double> Log(Vector256<double> x)
    {
        var bits = x.AsInt64();
        // k = ⌊(bits − bits(√2/2)) / 2⁵²⌋, taken with a logical shift after a bias that keeps the difference positive.
        var biased = bits - Vector256.Create(SqrtHalfBits - (1024L << 52));
        var k = Vector256.ShiftRightLogical(biased, 52) - Vector256.Create(1024L);
        var m = (bits - Vector256.ShiftLeft(k, 52)).AsDouble();
        var kd = (k + Vector256.Create(ShifterBits)).AsDouble() - Vector256.Create(Shifter);
        var f = m - Vector256<double>.One;
        var s = f / (Vector256.Create(2.0) + f);
        var z = s * s;
        var w = z * z;
        var t1 = w * Fma(w, Fma(w, Vector256.Create(1.531383769920937332e-01), Vector256.Create(2.222219843214978396e-01)), Vector256.Create(3.999999999940941908e-01));
        var t2 = z * Fma(w, Fma(w, Fma(w, Vector256.Create(1.479819860511658591e-01), Vector256.Create(1.818357216161805012e-01)),
                                    Vector256.Create(2.857142874366239149e-01)), Vector256.Create(6.666666666666735130e-01));
        var hfsq = Vector256.Create(0.5) * f * f;
        var tail = s * (hfsq + (t1 + t2)) + kd * Vector256.Create(Ln2Lo);
        return kd * Vector256.Create(Ln2Hi) - ((hfsq - tail) - f);
    }

    /// <summary>Below this u, <see cref="Log1m"/> takes the series: its first omitted term is below u·1e-18/7.</summary>
    public const double SeriesBelow = 1e-3;

    /// <summary>
    /// ln(1 − u) for 0 ≤ u &lt; 1: the series −(u + u²/2 + … + u⁶/6) where u &lt; <see cref="SeriesBelow"/> (most pairs of a
    /// line's Lorentzian wings; cheaper than the logarithm, and exact where ln of the rounded 1 − u loses 1e-16/u of
    /// its value), <see cref="Log"/>(1 − u) elsewhere. The choice is per lane.
    /// </summary>
    public static Vector256<double> Log1m(Vector256<double> u)
    {
        var small = Vector256.LessThan(u, Vector256.Create(SeriesBelow));
        var p = Fma(u, Vector256.Create(1.0 / 6), Vector256.Create(1.0 / 5));
        p = Fma(u, p, Vector256.Create(0.25));
        p = Fma(u, p, Vector256.Create(1.0 / 3));
        p = Fma(u, p, Vector256.Create(0.5));
        p = Fma(u, p, Vector256<double>.One);
        var series = -u * p;
        if (Vector256.EqualsAll(small.AsInt64(), Vector256<long>.AllBitsSet)) return series;
        return Vector256.ConditionalSelect(small, series, Log(Vector256<double>.One - u));
    }
}
