using Toolkit.Aws.Ecr.Repositories;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Tests.Ecr.Repositories;

public class PolicyDocumentTests
{
    internal const string Lifecycle = """
        {
          "rules": [
            {
              "rulePriority": 1,
              "description": "Keep the last 10 release images",
              "selection": { "tagStatus": "tagged", "tagPatternList": ["v*"], "countType": "imageCountMoreThan", "countNumber": 10 },
              "action": { "type": "expire" }
            },
            {
              "rulePriority": 2,
              "description": "Expire untagged images after 14 days",
              "selection": { "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14 },
              "action": { "type": "expire" }
            }
          ]
        }
        """;

    internal const string RepositoryPolicy = """
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "AllowPull",
              "Effect": "Allow",
              "Principal": { "AWS": ["arn:aws:iam::111122223333:root", "444455556666"] },
              "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
            }
          ]
        }
        """;

    private static ToolkitException Refused(PolicyKind kind, string text)
        => Assert.Throws<ToolkitException>(() => PolicyDocument.Parse(kind, text, "policy.json"));

    public class Well_formedness
    {
        [Fact]
        public void Malformed_JSON_is_TK3072_with_line_and_column()
        {
            // Given a policy with a missing comma on line 3
            var text = "{\n  \"rules\": [\n    { \"rulePriority\": 1 \"selection\": {} }\n  ]\n}";

            // When it is parsed
            var error = Refused(PolicyKind.Lifecycle, text);

            // Then the error names the file, line 3 and the column of the unexpected token
            Assert.Equal(ErrorCodes.PolicyJsonMalformed, error.ErrorCode);
            Assert.Contains("policy.json is not well-formed JSON at line 3, column 25", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Columns_count_characters_not_bytes()
        {
            // Given a line with a two-byte character before the mistake
            var text = "{\"Version\": \"é\" ]";

            // When it is parsed
            var error = Refused(PolicyKind.Repository, text);

            // Then the column counts the character once
            Assert.Contains("line 1, column 17", error.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("", "the file is empty")]
        [InlineData("{} {}", "line 1, column 4")]
        [InlineData("{\"rules\": [], \"rules\": []}", "\"rules\" appears twice")]
        [InlineData("{\"rules\": [] /* note */}", "line 1")]
        [InlineData("{\"rules\": [],}", "line 1")]
        public void Empty_trailing_duplicate_commented_or_trailing_comma_JSON_is_refused(string text, string expected)
        {
            var error = Refused(PolicyKind.Lifecycle, text);

            Assert.Equal(ErrorCodes.PolicyJsonMalformed, error.ErrorCode);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
    }

    public class Lifecycle_policies
    {
        [Fact]
        public void A_valid_policy_is_accepted_and_its_text_kept()
        {
            var document = PolicyDocument.Parse(PolicyKind.Lifecycle, Lifecycle, "lifecycle.json");

            Assert.Equal(Lifecycle, document.Text);
            Assert.StartsWith("{\n  \"rules\": [\n    {\n      \"action\": {", document.Canonical, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("\"countNumber\": 10", "\"countNumber\": 0", "rules[0].selection.countNumber", "at least 1")]
        [InlineData("\"countNumber\": 10", "\"countNumber\": 1.5", "rules[0].selection.countNumber", "whole number")]
        [InlineData("\"countNumber\": 10", "\"countNumber\": \"10\"", "rules[0].selection.countNumber", "found a string")]
        [InlineData("\"type\": \"expire\" }\n    },", "\"type\": \"delete\" }\n    },", "rules[0].action.type", "\"delete\" is not one of \"expire\", \"transition\"")]
        [InlineData("\"tagStatus\": \"tagged\", \"tagPatternList\": [\"v*\"]", "\"tagStatus\": \"tagged\"", "rules[0].selection", "needs a tagPatternList")]
        [InlineData("\"tagPatternList\": [\"v*\"]", "\"tagPatternList\": [\"v*\"], \"tagPrefixList\": [\"v\"]", "rules[0].selection.tagPrefixList", "not both")]
        [InlineData("\"tagPatternList\": [\"v*\"]", "\"tagPatternList\": [\"*a*b*c*d*\"]", "rules[0].selection.tagPatternList", "more than 4 wildcards")]
        [InlineData("\"tagStatus\": \"untagged\",", "\"tagStatus\": \"untagged\", \"tagPrefixList\": [\"x\"],", "rules[1].selection.tagPrefixList", "only for tagStatus \"tagged\"")]
        [InlineData("\"countUnit\": \"days\", ", "", "rules[1].selection", "\"countUnit\" is missing")]
        [InlineData("\"countType\": \"imageCountMoreThan\",", "\"countType\": \"imageCountMoreThan\", \"countUnit\": \"days\",", "rules[0].selection.countUnit", "only for the since* count types")]
        [InlineData("\"rulePriority\": 2", "\"rulePriority\": 1", "rules[1].rulePriority", "also the priority of rules[0]")]
        [InlineData("\"description\": \"Keep", "\"descripton\": \"Keep", "rules[0].descripton", "not a member ECR accepts")]
        [InlineData("\"tagStatus\": \"untagged\"", "\"tagStatus\": \"Untagged\"", "rules[1].selection.tagStatus", "not one of")]
        [InlineData("\"type\": \"expire\" }\n    },", "\"type\": \"transition\" }\n    },", "rules[0].action", "\"targetStorageClass\" is missing")]
        public void A_mistake_is_TK3073_naming_the_member_and_its_line(string replace, string with, string path, string problem)
        {
            // Given the valid policy with one mistake
            var text = Lifecycle.Replace(replace, with, StringComparison.Ordinal);
            Assert.NotEqual(Lifecycle, text);

            // When it is checked
            var error = Refused(PolicyKind.Lifecycle, text);

            // Then the error names the member, a line and what is wrong
            Assert.Equal(ErrorCodes.LifecyclePolicyInvalid, error.ErrorCode);
            Assert.Contains($"({path})", error.Message, StringComparison.Ordinal);
            Assert.Matches(@"policy\.json at line \d+, column \d+", error.Message);
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void The_line_of_a_mistake_is_where_the_member_is()
        {
            var text = Lifecycle.Replace("\"countNumber\": 14", "\"countNumber\": -14", StringComparison.Ordinal);

            var error = Refused(PolicyKind.Lifecycle, text);

            Assert.Contains("at line 12, column", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_rule_for_any_image_must_come_last()
        {
            var text = Lifecycle.Replace("\"tagStatus\": \"tagged\", \"tagPatternList\": [\"v*\"]", "\"tagStatus\": \"any\"", StringComparison.Ordinal);

            var error = Refused(PolicyKind.Lifecycle, text);

            Assert.Contains("tagStatus \"any\" must have the highest rulePriority", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Archive_transitions_are_accepted()
        {
            var text = """
                {"rules": [
                  {"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90}, "action": {"type": "transition", "targetStorageClass": "archive"}},
                  {"rulePriority": 2, "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365}, "action": {"type": "expire"}}
                ]}
                """;

            var error = Refused(PolicyKind.Lifecycle, text);

            // Two "any" rules: only the last may select any image.
            Assert.Contains("rules[0].rulePriority", error.Message, StringComparison.Ordinal);
            PolicyDocument.Parse(PolicyKind.Lifecycle, text.Replace("\"tagStatus\": \"any\", \"countType\": \"sinceImagePulled\"", "\"tagStatus\": \"untagged\", \"countType\": \"sinceImagePulled\"", StringComparison.Ordinal), "p.json");
        }

        [Fact]
        public void A_policy_over_ECRs_limit_is_refused_before_it_is_sent()
        {
            var text = Lifecycle.Replace("Keep the last 10 release images", new string('x', PolicyDocument.LifecyclePolicyMaxLength), StringComparison.Ordinal);

            var error = Refused(PolicyKind.Lifecycle, text);

            Assert.Equal(ErrorCodes.LifecyclePolicyInvalid, error.ErrorCode);
            Assert.Contains("100 to 30720 characters", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Key_order_whitespace_and_number_spelling_do_not_count()
        {
            var a = PolicyDocument.Parse(PolicyKind.Lifecycle, Lifecycle, "a.json");
            var reordered = """
                {"rules":[{"action":{"type":"expire"},"selection":{"countNumber":1.0E1,"countType":"imageCountMoreThan","tagPatternList":["v*"],"tagStatus":"tagged"},"description":"Keep the last 10 release images","rulePriority":1},
                {"selection":{"countNumber":14,"countUnit":"days","countType":"sinceImagePushed","tagStatus":"untagged"},"rulePriority":2,"description":"Expire untagged images after 14 days","action":{"type":"expire"}}]}
                """;

            var b = PolicyDocument.Parse(PolicyKind.Lifecycle, reordered, "b.json");

            Assert.True(a.IsEquivalentTo(b));
        }

        [Fact]
        public void Rule_order_and_values_count()
        {
            var a = PolicyDocument.Parse(PolicyKind.Lifecycle, Lifecycle, "a.json");
            var b = PolicyDocument.Parse(PolicyKind.Lifecycle, Lifecycle.Replace("\"countNumber\": 14", "\"countNumber\": 15", StringComparison.Ordinal), "b.json");

            Assert.False(a.IsEquivalentTo(b));
        }
    }

    public class Repository_policies
    {
        [Fact]
        public void A_valid_policy_is_accepted()
        {
            var document = PolicyDocument.Parse(PolicyKind.Repository, RepositoryPolicy, "policy.json");

            Assert.Equal(PolicyKind.Repository, document.Kind);
        }

        [Theory]
        [InlineData("\"Version\": \"2012-10-17\",", "", "$", "\"Version\" is missing")]
        [InlineData("2012-10-17", "2012-10-18", "Version", "not one of")]
        [InlineData("\"Effect\": \"Allow\"", "\"Effect\": \"allow\"", "Statement[0].Effect", "not one of \"Allow\", \"Deny\"")]
        [InlineData("\"Effect\": \"Allow\",", "", "Statement[0]", "\"Effect\" is missing")]
        [InlineData("\"Principal\": { \"AWS\": [\"arn:aws:iam::111122223333:root\", \"444455556666\"] },", "", "Statement[0]", "\"Principal\" (or \"NotPrincipal\") is missing")]
        [InlineData("\"Action\": [", "\"Actions\": [", "Statement[0].Actions", "not a member ECR accepts")]
        [InlineData("[\"ecr:BatchGetImage\", \"ecr:GetDownloadUrlForLayer\"]", "[]", "Statement[0].Action", "the list is empty")]
        [InlineData("{ \"AWS\": [\"arn:aws:iam::111122223333:root\", \"444455556666\"] }", "\"111122223333\"", "Statement[0].Principal", "a principal string can only be \"*\"")]
        [InlineData("\"Sid\": \"AllowPull\",", "\"Sid\": 7,", "Statement[0].Sid", "expected a string")]
        public void A_mistake_is_TK3074_naming_the_member(string replace, string with, string path, string problem)
        {
            var text = RepositoryPolicy.Replace(replace, with, StringComparison.Ordinal);
            Assert.NotEqual(RepositoryPolicy, text);

            var error = Refused(PolicyKind.Repository, text);

            Assert.Equal(ErrorCodes.RepositoryPolicyInvalid, error.ErrorCode);
            Assert.Contains($"({path})", error.Message, StringComparison.Ordinal);
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Sids_must_be_unique()
        {
            var text = """
                {"Version":"2012-10-17","Statement":[
                  {"Sid":"A","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"},
                  {"Sid":"A","Effect":"Deny","Principal":"*","Action":"ecr:PutImage"}]}
                """;

            var error = Refused(PolicyKind.Repository, text);

            Assert.Contains("Sid \"A\" is also the Sid of Statement[0]", error.Message, StringComparison.Ordinal);
            Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void The_forms_IAM_treats_as_the_same_compare_equal()
        {
            // Given the policy as written, and as ECR hands it back: one statement object instead of a list, a string
            // where a list of one was, lists in another order, the account ID as a root ARN, a boolean as a string
            var written = """
                {"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":["111122223333"]},
                 "Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"],"Condition":{"Bool":{"aws:SecureTransport":true}}}]}
                """;
            var returned = """
                {
                  "Version" : "2012-10-17",
                  "Statement" : {
                    "Sid" : "Pull",
                    "Effect" : "Allow",
                    "Principal" : { "AWS" : "arn:aws:iam::111122223333:root" },
                    "Action" : [ "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage" ],
                    "Condition" : { "Bool" : { "aws:SecureTransport" : "true" } }
                  }
                }
                """;

            // When both are read
            var a = PolicyDocument.Parse(PolicyKind.Repository, written, "policy.json");
            var b = PolicyDocument.Parse(PolicyKind.Repository, returned, "ecr");

            // Then they are the same policy
            Assert.True(a.IsEquivalentTo(b), a.Canonical + "\n----\n" + b.Canonical);
        }

        [Fact]
        public void A_star_principal_is_everyone_in_AWS()
        {
            var a = PolicyDocument.Parse(PolicyKind.Repository, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}""", "a");
            var b = PolicyDocument.Parse(PolicyKind.Repository, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr:BatchGetImage"}]}""", "b");

            Assert.True(a.IsEquivalentTo(b));
        }

        [Fact]
        public void Different_effects_principals_or_statement_order_differ()
        {
            var a = PolicyDocument.Parse(PolicyKind.Repository, RepositoryPolicy, "a");

            Assert.False(a.IsEquivalentTo(PolicyDocument.Parse(PolicyKind.Repository, RepositoryPolicy.Replace("\"Allow\"", "\"Deny\"", StringComparison.Ordinal), "b")));
            Assert.False(a.IsEquivalentTo(PolicyDocument.Parse(PolicyKind.Repository, RepositoryPolicy.Replace("444455556666", "444455556667", StringComparison.Ordinal), "b")));
        }
    }

    public class Files
    {
        [Fact]
        public async Task A_missing_file_is_TK3071()
        {
            var error = await Assert.ThrowsAsync<ToolkitException>(() => PolicyDocument.ReadFileAsync(PolicyKind.Lifecycle, "/nonexistent/lifecycle.json", CancellationToken.None));

            Assert.Equal(ErrorCodes.PolicyFileUnreadable, error.ErrorCode);
            Assert.Contains("/nonexistent/lifecycle.json", error.Message, StringComparison.Ordinal);
        }
    }
}
