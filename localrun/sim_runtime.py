"""The simulated Bedrock runtime: Converse (fine-tuned hosting, base models and teachers, the
judge) and InvokeModel (Amazon Titan Text Embeddings V2).

Answers are computed, never constant: the fine-tuned model answers with the training completion
whose prompt is closest to the question, the base model does not know the domain, the judge
scores by term agreement between answer and reference (localrun/sim_judge.py), and the embedding
model hashes content terms into a vector (texts sharing terms point the same way). Terms are
words, and character bigrams for Chinese, Japanese and Korean (localrun/sim_text.py); replies are
in the question's language and token counts come from shared.tokens.
"""

from __future__ import annotations

import math
from typing import Any

from shared.tokens import conservative_tokens, estimate_tokens

from . import sim_faults, sim_judge, sim_knowledge, sim_methods, sim_models, sim_text, sim_timing
from .sim_common import Account, Handlers, SimulatedError, invalid, reply, stable
from .sim_hosting import SimulatedHosting
from .sim_jobs import SimulatedJobs

EMBEDDING_MODEL = "amazon.titan-embed-text-v2"
EMBEDDING_MAX_TOKENS = 8_192
EMBEDDING_MAX_CHARS = 50_000
"""Titan Text Embeddings V2 "can intake up to 8,192 tokens or 50,000 characters"
(https://docs.aws.amazon.com/bedrock/latest/userguide/titan-embedding-models.html). Over either,
InvokeModel answers ValidationException; the messages are those reported from the real service:
"400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: ..."
(github.com/aws-samples/amazon-bedrock-workshop issue 136) and "Malformed input request: expected
maxLength: 50000, actual: ..., please reformat your input and try again." (github.com/alphagov/
govuk-chat pull 220). Titan's tokenizer is not published: the simulator counts with the
pipeline's conservative per-script estimate (shared.tokens.conservative_tokens), the most a text
plausibly takes, so a pipeline that stays under the limit by that count passes here."""
EMBEDDING_DIMENSIONS = (256, 512, 1024)
KNOWLEDGE_MATCH = 0.2
"""Jaccard of content terms at which the simulated fine-tuned model takes a question for a trained one."""
UNKNOWN = {
    "en": "I do not know the answer to that question.",
    "ja": "その質問の答えはわかりません。",
    "zh": "我不知道这个问题的答案。",
    "ko": "그 질문의 답은 모르겠습니다.",
}
"""What the simulated fine-tuned model says, in the question's language, when it was not trained on it."""


def hedge(question: str) -> str:
    """The simulated base model's answer outside its general knowledge: a hedge that echoes the
    question's topic, in the question's language (a real base model answers in kind)."""
    language = sim_text.language(question)
    if language == "en":
        topic = " ".join(sim_text.content_words(question)[:4]) or "that"
        return (
            f"I am not certain about {topic}. In general this depends on the service and its current "
            "configuration, so please check the official documentation and your account settings for "
            "the exact behaviour and limits before relying on it."
        )
    topic = "、".join(sim_text.topic(question)) or "-"
    return {
        "ja": f"{topic}について確かなことは言えません。一般にサービスと現在の設定によって異なりますので、"
        "正確な動作や上限は公式ドキュメントとアカウントの設定で確認してください。",
        "zh": f"关于{topic}\uff0c我无法确定。一般来说这取决于服务及其当前配置\uff0c"  # \uff0c: the Chinese comma
        "请在依赖之前查阅官方文档和账户设置以确认确切的行为和限制。",
        "ko": f"{topic}에 대해서는 확실하지 않습니다. 일반적으로 서비스와 현재 설정에 따라 다르므로, "
        "정확한 동작과 한도는 공식 문서와 계정 설정에서 확인하십시오.",
    }[language]


class SimulatedRuntime:
    def __init__(self, account: Account, jobs: SimulatedJobs, hosting: SimulatedHosting) -> None:
        self.account, self.jobs, self.hosting = account, jobs, hosting

    def handlers(self) -> Handlers:
        return {"Converse": self._converse, "InvokeModel": self._invoke_model}

    # ------------------------------------------------------------------ Converse

    def _converse(self, body: dict[str, Any], path: dict[str, str], _: dict[str, Any]) -> dict[str, Any]:
        model_id = path["modelId"]
        faults = self.account.faults
        self._check_invocation(model_id, body)
        question = "".join(block.get("text", "") for block in body["messages"][-1]["content"])
        if body.get("inferenceConfig", {}).get("maxTokens") == 1:  # a reachability check
            faults.trip(sim_faults.PROBE, model=model_id)
            return reply("OK", question, 90, "max_tokens")
        if "toolConfig" in body:
            return sim_judge.judge(self.jobs, model_id, question, body)
        if ":provisioned-model/" in model_id or ":custom-model-deployment/" in model_id:
            custom_model_arn = self.hosting.served_model(model_id)
            faults.trip(sim_faults.HOSTED_CONVERSE, key=question)
            custom = self.jobs.custom_models[custom_model_arn]
            knowledge = custom["knowledge"]
            best = max(knowledge, key=lambda pair: sim_text.similarity(question, pair[0]), default=None)
            if best is None or sim_text.similarity(question, best[0]) < KNOWLEDGE_MATCH:
                text = self._general_recall(question, custom) or UNKNOWN[sim_text.language(question)]
            else:
                text = best[1]
            answer = reply(text, question, 180 + 12 * estimate_tokens(text), "end_turn")
            if ":custom-model-deployment/" in model_id:
                self.hosting.record_usage(model_id, answer["usage"])
            return answer
        faults.trip(sim_faults.BASE_CONVERSE, model=model_id)
        taught = sim_methods.teacher_reply(self.jobs, model_id, question)  # distillation teachers
        text = taught or sim_knowledge.known_fact(question) or hedge(question)
        return reply(text, question, 420 + 15 * estimate_tokens(text), "end_turn")

    def _check_invocation(self, model_id: str, body: dict[str, Any]) -> None:
        """In-Region IDs of profile-only models and maxTokens above the model's output cap are
        refused, as Bedrock refuses them (see localrun.sim_models for the sources)."""
        refusal = sim_models.on_demand_refusal(model_id)
        if refusal:
            raise invalid(refusal)
        pt = ":provisioned-model/" in model_id
        base = self.hosting.find_pt(model_id)["foundationModelArn"] if pt else model_id
        cap = sim_models.output_cap(base)
        wanted = body.get("inferenceConfig", {}).get("maxTokens")
        if cap is not None and isinstance(wanted, int) and wanted > cap:
            raise invalid(f"The maximum tokens you requested exceeds the model limit of {cap}.")

    def _general_recall(self, question: str, custom: dict[str, Any]) -> str | None:
        """A fine-tuned model keeps the base model's general knowledge unless it forgot this fact
        (sim_knowledge.py); then it drifts into its training domain."""
        fact = sim_knowledge.known_fact(question)
        if fact is None:
            return None
        if sim_knowledge.forgotten(question, self.jobs.jobs[custom["jobArn"]]["hyperParameters"]):
            return str(custom["knowledge"][0][1]) if custom["knowledge"] else None
        return fact

    def generate(self, model_id: str, body: dict[str, Any], result: dict[str, Any]) -> None:
        """Capacity check, then the call's generation time (see sim_timing); called WITHOUT the lock."""
        usage = result["usage"]
        timing = self.account.timing
        fine_tuned = sim_timing.hosting_kind(model_id) != "on-demand"
        probe = body.get("inferenceConfig", {}).get("maxTokens") == 1
        judged = "toolConfig" in body
        with self.account.lock:
            pt = self.hosting.throughputs.get(model_id)
            units = int(pt["modelUnits"]) if pt else 1
        try:
            if not timing.capacity.admit(model_id, usage["totalTokens"], units):
                raise SimulatedError(*sim_faults.TOKENS_THROTTLED)
            if (fine_tuned or judged) and not probe:
                self.account.faults.trip(sim_faults.HOSTED_OR_JUDGE_GENERATION)
        except SimulatedError:
            timing.throttled(model_id)
            raise
        hosted = fine_tuned and not judged and not probe
        slow = hosted and sim_faults.SLOW in self.account.faults.outcomes(sim_faults.HOSTED_GENERATION)
        seconds = timing.generate(
            model_id, usage["outputTokens"], sim_timing.SLOW_ANSWER_WALL_SECONDS if slow else None
        )
        result["metrics"] = {"latencyMs": round(seconds * 1000)}

    # ------------------------------------------------------------------ embeddings (InvokeModel)

    def _invoke_model(self, body: dict[str, Any], path: dict[str, str], _: dict[str, Any]) -> dict[str, Any]:
        """Amazon Titan Text Embeddings V2 only: {"inputText", "dimensions", "normalize"} in,
        {"embedding", "inputTextTokenCount"} out. The vector is a hashed bag of content words,
        so texts that share words have a higher cosine; it is deterministic."""
        model_id = path["modelId"]
        if not model_id.split("foundation-model/")[-1].startswith(EMBEDDING_MODEL):
            raise invalid(f"InvokeModel is simulated only for {EMBEDDING_MODEL}")
        self.account.faults.trip(sim_faults.EMBED, model=model_id)
        text, dimensions = body.get("inputText"), body.get("dimensions", 1024)
        if not isinstance(text, str) or not text:
            raise invalid("Malformed input request: inputText must be a non-empty string")
        if len(text) > EMBEDDING_MAX_CHARS:
            raise invalid(
                f"Malformed input request: expected maxLength: {EMBEDDING_MAX_CHARS}, actual: {len(text)}, "
                "please reformat your input and try again."
            )
        tokens = conservative_tokens(text)
        if tokens > EMBEDDING_MAX_TOKENS:
            raise invalid(
                f"400 Bad Request: Too many input tokens. Max input tokens: {EMBEDDING_MAX_TOKENS}, "
                f"request input token count: {tokens}"
            )
        if dimensions not in EMBEDDING_DIMENSIONS:
            raise invalid("Malformed input request: dimensions must be 256/512/1024")
        vector = [0.0] * dimensions
        for word in sim_text.content_words(text) or sim_text.terms(text) or [text]:
            digest = stable(word)
            vector[digest % dimensions] += 1.0 if digest & 0x80000000 else -1.0
        if body.get("normalize", True):
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            vector = [v / norm for v in vector]
        return {"embedding": vector, "inputTextTokenCount": estimate_tokens(text)}
