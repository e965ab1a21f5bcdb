using Duban.Features.Matters;

namespace Duban.Features.Letters;

/// <summary>
/// A letter's or visit's card on the matter page (<see cref="LetterSection"/>): its number of visitors and scanned pages.
/// It adds nothing to the matter's hash or events (the register event holds the pages' hashes); it only draws.
/// </summary>
public sealed class LetterFacet : MatterFacet
{
    public override string Name => "letter";

    public override Type? PageSection => typeof(LetterSection);
}
