using System.ComponentModel.DataAnnotations;

namespace Duban.Features.Figures;

/// <summary>Duban:Figures: how the rates per unit are scored (README in this folder).</summary>
public sealed class FiguresOptions : IValidatableObject
{
    public const string Section = "Duban:Figures";

    /// <summary>What a 基本满意 counts in the satisfaction rate (满意 1, 不满意 0).</summary>
    [Range(0.0, 1.0)]
    public double BasicallySatisfied { get; set; } = 0.9;

    /// <summary>
    /// Catalogue paths (城乡建设/市政道路) or first levels (城乡建设) left out of the resolution and
    /// satisfaction rates: matters whose outcome the unit does not decide (e.g. 政策咨询).
    /// </summary>
    public List<string> ExcludedCategories { get; set; } = [];

    public FigureWeights Weights { get; set; } = new();

    public FigurePenalties Penalties { get; set; } = new();

    /// <summary>
    /// A ranking ranks a unit once it has this many matters in the period (<see cref="FiguresRow.Matters"/>); the others are
    /// listed, unranked, as too few to rank (样本不足): a score on one or two matters says nothing about a unit (issue 18).
    /// </summary>
    [Range(0, 100_000)]
    public int MinimumMatters { get; set; } = 5;

    /// <summary>Is the category, or its first level, among the excluded ones?</summary>
    public bool Excludes(string? category) =>
        category is not null && ExcludedCategories.Any(x =>
        {
            var e = x.Trim();
            return category == e || category.StartsWith(e + "/", StringComparison.Ordinal);
        });

    /// <summary>
    /// What the rates' rollup depends on among these settings (the excluded categories): the counters built
    /// under other settings are rebuilt (Features/Tally).
    /// </summary>
    public string RollupConfig => string.Join("\n", ExcludedCategories.Select(c => c.Trim()).Order(StringComparer.Ordinal));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        double[] weights = [Weights.Response, Weights.Resolution, Weights.Satisfaction, Weights.OnTime];
        if (weights.Any(w => w < 0 || double.IsNaN(w) || w > 100) || weights.Sum() <= 0)
            yield return new ValidationResult("Duban:Figures:Weights are 0 to 100 each, and not all 0 / 综合得分权重应为0到100且不全为0");
        if (Penalties.Overdue is < 0 or > 100 || Penalties.ImproperReturn is < 0 or > 100 || double.IsNaN(Penalties.Overdue) || double.IsNaN(Penalties.ImproperReturn))
            yield return new ValidationResult("Duban:Figures:Penalties are 0 to 100 points each / 扣分应为0到100分");
        if (ExcludedCategories.Any(string.IsNullOrWhiteSpace))
            yield return new ValidationResult("Duban:Figures:ExcludedCategories may not hold an empty entry / 排除类别不能为空");
    }
}

/// <summary>Weights of the four rates in the composite score (综合得分); renormalised over the rates a unit has.</summary>
public sealed class FigureWeights
{
    public double Response { get; set; } = 0.2;
    public double Resolution { get; set; } = 0.3;
    public double Satisfaction { get; set; } = 0.3;
    public double OnTime { get; set; } = 0.2;
}

/// <summary>Points taken off the composite score (out of 100) per overdue matter and per improper return.</summary>
public sealed class FigurePenalties
{
    public double Overdue { get; set; } = 1;
    public double ImproperReturn { get; set; } = 1;
}
