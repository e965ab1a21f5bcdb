namespace Duban.Features.Proposals;

/// <summary>The proposals pages' text: ProposalText.resx (zh-CN, the default) and ProposalText.en-US.resx, kept in the module.</summary>
public sealed class ProposalText;
