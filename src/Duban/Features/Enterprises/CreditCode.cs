namespace Duban.Features.Enterprises;

/// <summary>
/// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters over the charset
/// <c>0123456789ABCDEFGHJKLMNPQRTUWXY</c> (no I, O, S, V, Z): the registration authority (1 character: 1 机构编制, 5 民政,
/// 9 市场监管/工商, Y 其他…), the kind of body (1), the administrative division (6 digits), the organisation code (9: eight
/// characters and its own check character, GB 11714-1997: weights 3 7 9 10 5 8 4 2, modulo 11, 10 written X and 11 written
/// 0), and the check character: weights 3^(i-1) mod 31 over the first 17, check = 31 − (sum mod 31), 31 written 0.
/// </summary>
public static class CreditCode
{
    public const string Charset = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    /// <summary>The registration authorities of GB 32100-2015 表1 (A: 中央军委改革和编制办公室, N: 农业).</summary>
    private const string Authorities = "123456789ANY";

    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    private static readonly int[] OrganisationWeights = [3, 7, 9, 10, 5, 8, 4, 2];

    /// <summary>The code trimmed and upper-cased (a register typed in lower case is the same firm), or null when blank.</summary>
    public static string? Normalize(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToUpperInvariant();

    /// <summary>Why the code is not a valid one (Chinese / English), or null when it is.</summary>
    public static string? Problem(string? code)
    {
        if (code is null || code.Length != 18) return "统一社会信用代码应为18位 / a unified social credit code has 18 characters";
        foreach (var c in code)
        {
            if (!Charset.Contains(c, StringComparison.Ordinal))
                return $"统一社会信用代码含非法字符「{c}」 / a unified social credit code has no character {c} (I, O, S, V, Z and lower case are not used)";
        }
        if (!Authorities.Contains(code[0], StringComparison.Ordinal)) return "登记管理部门代码不存在 / the registration authority (first character) is not one of GB 32100";
        for (var i = 2; i < 8; i++)
        {
            if (!char.IsAsciiDigit(code[i])) return "第3至8位应为行政区划代码 / characters 3 to 8 are the administrative division's six digits";
        }
        if (OrganisationCheck(code.AsSpan(8, 8)) != code[16]) return "组织机构代码校验码错误 / the organisation code's check character (17th, GB 11714) is wrong";
        if (Check(code.AsSpan(0, 17)) != code[17]) return "统一社会信用代码校验码错误 / the check character (18th) is wrong";
        return null;
    }

    public static bool IsValid(string? code) => Problem(code) is null;

    /// <summary>The 18th character of a code whose first 17 are given.</summary>
    public static char Check(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += Charset.IndexOf(first17[i], StringComparison.Ordinal) * Weights[i];
        return Charset[(31 - sum % 31) % 31];
    }

    /// <summary>GB 11714's check character over the organisation code's eight characters (digits 0–9, letters A=10 … Z=35).</summary>
    public static char OrganisationCheck(ReadOnlySpan<char> body)
    {
        var sum = 0;
        for (var i = 0; i < 8; i++) sum += (char.IsAsciiDigit(body[i]) ? body[i] - '0' : body[i] - 'A' + 10) * OrganisationWeights[i];
        return (11 - sum % 11) switch
        {
            10 => 'X',
            11 => '0',
            var c => (char)('0' + c),
        };
    }

    /// <summary>The first valid code in a text (a demand that names the firm in its words), or null.</summary>
    public static string? FindIn(string? text)
    {
        if (text is null) return null;
        var upper = text.ToUpperInvariant();
        for (var i = 0; i + 18 <= upper.Length; i++)
        {
            // A code stands alone: not inside a longer run of code characters.
            if (i > 0 && Charset.Contains(upper[i - 1], StringComparison.Ordinal)) continue;
            if (i + 18 < upper.Length && Charset.Contains(upper[i + 18], StringComparison.Ordinal)) continue;
            var candidate = upper.Substring(i, 18);
            if (IsValid(candidate)) return candidate;
        }
        return null;
    }
}
