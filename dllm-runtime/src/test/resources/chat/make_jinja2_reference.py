"""Renders chat templates with Jinja2 configured as transformers' apply_chat_template does;
writes jinja2_reference.jsonl for ChatTemplateJinja2Test. Run: python3 make_jinja2_reference.py"""
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
from jinja2.exceptions import TemplateError


class Raised(Exception):
    pass


def raise_exception(message):
    raise Raised(message)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.globals["raise_exception"] = raise_exception

TEMPLATES = {
    "llama3": "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
    "mistral": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
    "indented": "{% for message in messages %}\n    {% if message.role == 'system' %}\n<<SYS>>\n{{ message.content.strip() }}\n<</SYS>>\n    {% else %}\n{{ message.role.upper() }}: {{ message.content }}\n    {% endif %}\n{% endfor %}\n{% if add_generation_prompt %}\nASSISTANT:\n{% endif %}\n",
    "zephyr": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
    "gemma": "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}",
    "qwen": "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}{%- for message in messages %}{%- if not (message.role == 'system' and loop.first) %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
    "pymethods": "{%- set ns = namespace(sys='') -%}\n{%- for m in messages -%}{%- if m.role == 'system' -%}{%- set ns.sys = m.content -%}{%- endif -%}{%- endfor -%}\n{%- if ns.sys %}[{{ ns.sys.split(' ') | join('_') }}]{% endif -%}\n{%- for m in messages -%}\n{%- if m.role != 'system' -%}\n{{ m.role | upper }}{{ ' ' if m.content.startswith(('a','A')) else ':' }}{{ m.content.replace('o', '0', 1).rstrip('!') }}|{{ m.content.lstrip().endswith('?') }}|{{ m.content.split() | length }}\n{% endif -%}\n{%- endfor -%}\n",
    "loopctl": "{% for m in messages %}{% if loop.index0 > 1 %}{% break %}{% endif %}{% if m.role == 'system' %}{% continue %}{% endif %}<{{ loop.index }}/{{ loop.length }}:{{ m.content | length }}>{% endfor %}{{ messages | length }}",
}

CONVERSATIONS = [
    [{"role": "user", "content": "  hello there!  "}],
    [{"role": "system", "content": " Be  brief. "}, {"role": "user", "content": "a question?"}],
    [{"role": "user", "content": "one"}, {"role": "assistant", "content": "two\n"}, {"role": "user", "content": "oh no!!"}],
    [{"role": "assistant", "content": "wrong order"}],
]

with open("jinja2_reference.jsonl", "w") as out:
    for name, template in TEMPLATES.items():
        for conv in CONVERSATIONS:
            for agp in (True, False):
                row = {"name": name, "template": template, "messages": conv, "add_generation_prompt": agp}
                try:
                    row["rendered"] = env.from_string(template).render(
                        messages=conv, add_generation_prompt=agp, bos_token="<s>", eos_token="</s>")
                except Raised as e:
                    row["error"] = str(e)
                out.write(json.dumps(row) + "\n")
