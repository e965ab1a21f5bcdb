namespace Duban.Features.Attachments;

/// <summary>The staff attachments' text: AttachmentText.resx (zh-CN, the default) and AttachmentText.en-US.resx, kept in the module.</summary>
public sealed class AttachmentText
{
    /// <summary>The word the Chinese half of a refusal of the files uses (<see cref="StaffFiles"/>): a form shows it beside the files.</summary>
    public const string FileWord = "附件";
}
