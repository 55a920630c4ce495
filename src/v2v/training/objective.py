"""The training objective: SDXL's denoising loss with both ControlNets conditioning the UNet.

For a batch: target illustration (in [-1, 1]) → VAE latents × scaling factor → noise at a
timestep → frozen depth and Canny ControlNets see the noisy latents, the caption and the control
images (3-channel, [0, 1], full resolution: what the inference pipeline feeds them, not latents) →
their residuals, scaled by the phase II weights, go into the LoRA UNet → MSE against the noise
(or the velocity for v-prediction models).

Canny guidance is released at ``canny_end`` at inference (``control_guidance_end``), i.e. it only
acts on the noisiest ``canny_end`` share of the steps; training matches that by giving the Canny
residuals weight 0 below timestep ``(1 - canny_end) × T``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from v2v.stages.stylize.sdxl_controlnet import ControlNetConfig
from v2v.training.data import Batch
from v2v.training.model import Components


class Objective:
    """Computes the loss of a batch with the current LoRA."""

    def __init__(self, parts: Components, controlnet: ControlNetConfig) -> None:
        self.parts = parts
        self.depth_weight = controlnet.depth_weight
        self.canny_weight = controlnet.canny_weight
        config = parts.scheduler.config
        self.timesteps = int(config.num_train_timesteps)
        self.canny_from = (1.0 - controlnet.canny_end) * self.timesteps
        self.prediction = str(config.prediction_type)

    def autocast(self) -> Any:
        import torch

        if self.parts.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(self.parts.device, dtype=self.parts.autocast)

    def latents(self, batch: Batch, generator: Any | None) -> Any:
        """VAE latents (B, 4, h/8, w/8), fp32; sampled with ``generator``, or the mean when None."""
        import torch

        vae = self.parts.vae
        with torch.no_grad():
            dist = vae.encode(batch.target.to(vae.dtype)).latent_dist
            latents = dist.sample(generator) if generator is not None else dist.mode()
        return latents.float() * float(vae.config.scaling_factor)

    def loss(self, latents: Any, batch: Batch, generator: Any, timesteps: Any | None = None) -> Any:
        """Mean squared error (scalar tensor) of the UNet's prediction; noise and (unless given)
        timesteps come from ``generator`` (a CPU generator, so CPU and GPU runs draw the same)."""
        import torch

        parts, count = self.parts, latents.shape[0]
        noise = torch.randn(latents.shape, generator=generator).to(parts.device)
        if timesteps is None:
            timesteps = torch.randint(0, self.timesteps, (count,), generator=generator)
        timesteps = timesteps.to(parts.device).long()
        noisy = parts.scheduler.add_noise(latents, noise, timesteps)
        hidden = parts.prompt_embeds.expand(count, -1, -1)
        added = {"text_embeds": parts.pooled_embeds.expand(count, -1), "time_ids": batch.time_ids}
        with self.autocast():
            down, mid = self._controls(noisy, timesteps, hidden, added, batch)
            prediction = parts.unet(
                noisy,
                timesteps,
                encoder_hidden_states=hidden,
                added_cond_kwargs=added,
                down_block_additional_residuals=down,
                mid_block_additional_residual=mid,
                return_dict=False,
            )[0]
        if self.prediction == "v_prediction":
            target = parts.scheduler.get_velocity(latents, noise, timesteps)
        else:
            target = noise
        return torch.nn.functional.mse_loss(prediction.float(), target.float())

    def _controls(
        self, noisy: Any, timesteps: Any, hidden: Any, added: dict[str, Any], batch: Batch
    ) -> tuple[list[Any], Any]:
        """Summed, weighted residuals of the depth and Canny ControlNets (no gradients: frozen)."""
        import torch

        canny_on = (timesteps >= self.canny_from).float()
        weights = (torch.full_like(canny_on, self.depth_weight), canny_on * self.canny_weight)
        down_sum: list[Any] = []
        mid_sum: Any = None
        with torch.no_grad():
            for net, image, weight in zip(
                self.parts.controlnets, (batch.depth, batch.canny), weights, strict=True
            ):
                down, mid = net(
                    noisy,
                    timesteps,
                    encoder_hidden_states=hidden,
                    controlnet_cond=image,
                    conditioning_scale=1.0,
                    added_cond_kwargs=added,
                    return_dict=False,
                )
                scale = weight.view(-1, 1, 1, 1)
                down = [d * scale.to(d.dtype) for d in down]
                mid = mid * scale.to(mid.dtype)
                down_sum = (
                    down if not down_sum else [a + b for a, b in zip(down_sum, down, strict=True)]
                )
                mid_sum = mid if mid_sum is None else mid_sum + mid
        return down_sum, mid_sum
